// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "retuple",
    products: [
        .executable(name: "retuple", targets: ["retuple"]),
        .executable(name: "retuple-fixtures", targets: ["retuple-fixtures"]),
        .library(name: "RetupleCore", targets: ["RetupleCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // C system libraries, found through pkg-config.
        .systemLibrary(
            name: "CRetupleSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CRetupleLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),

        // Thin, safe Swift wrappers over the C libraries.
        .target(name: "RetupleSQLite", dependencies: ["CRetupleSQLite"]),
        .target(name: "RetuplePostgres", dependencies: ["CRetupleLibPQ"]),

        // The pure transformation of one legacy row: value types, subject
        // and commit-time parsing, row keys, name-based UUIDs. Foundation
        // only, so the fuzzer and the property tests build it alone.
        .target(name: "RetupleTransformation"),

        // The product: the database contract and its two backends, the
        // schema, the migration, broken tuples, doctor and status.
        .target(
            name: "RetupleCore",
            dependencies: [
                "RetupleTransformation",
                "RetupleSQLite",
                "RetuplePostgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "RetupleCLI",
            dependencies: [
                "RetupleCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "retuple", dependencies: ["RetupleCLI"]),

        // Legacy (Keto v0.6) databases for tests, demos and benchmarks.
        .target(name: "RetupleFixtures", dependencies: ["RetupleCore"]),
        .executableTarget(
            name: "retuple-fixtures",
            dependencies: [
                "RetupleFixtures",
                "RetupleCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // The benchmark (scripts/bench, benchmarks/README.md).
        .executableTarget(
            name: "retuple-bench",
            dependencies: [
                "RetupleCore",
                "RetupleTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Helpers shared by the test targets and the benchmark: the test
        // PostgreSQL server, temporary directories, child processes with
        // their peak memory. Not part of any product.
        .target(name: "RetupleTestSupport", dependencies: ["RetupleCore", "RetuplePostgres"]),
        .testTarget(name: "RetupleSQLiteTests", dependencies: ["RetupleSQLite", "RetupleTestSupport"]),
        .testTarget(name: "RetuplePostgresTests", dependencies: ["RetuplePostgres", "RetupleTestSupport"]),
        .testTarget(
            name: "RetupleCoreTests",
            dependencies: ["RetupleCore", "RetupleTransformation", "RetupleFixtures", "RetupleTestSupport"]
        ),
        .testTarget(
            name: "RetupleCLITests",
            dependencies: ["RetupleCore", "RetupleFixtures", "RetupleTestSupport", "retuple", "retuple-fixtures", "retuple-bench"]
        ),
    ]
)
