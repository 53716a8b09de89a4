// The transformation's types (`Timestamp`, `DatabaseValue`, `LegacyTuple`,
// `Configuration`, …) are part of RetupleCore's API: its users import one
// library and see them.
@_exported import RetupleTransformation
