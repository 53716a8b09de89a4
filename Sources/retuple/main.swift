import RetupleCLI

RetupleMain.main()
