// swift-tools-version: 6.0
import PackageDescription

// Release builds keep Swift's checks (bounds, overflow, preconditions) everywhere but in MemoryPolicy: measured with
// `ctxevo bench perplexity` and `bench namm` (results/unchecked-builds.txt), -Ounchecked changes nothing on the
// forward pass (its hot loops are C kernels and OpenBLAS) and pays only in the NAMM firings (spectrogram,
// features, scorers: Swift loops over every cached token). There no user input reaches an unchecked index: the
// network and allocation files are validated with named errors when read (tested on damaged files), the rest are
// the session's own buffers, and the one internal invariant is a real check (fatalError) that -Ounchecked keeps.
// haswell = AVX2 + FMA + F16C, the floor of the machines ctxevo runs on (docs/numerics.md).
let native: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"], .when(configuration: .release))]
let unchecked: [SwiftSetting] = [
    .unsafeFlags(
        ["-Ounchecked", "-enforce-exclusivity=unchecked", "-target-cpu", "haswell"], .when(configuration: .release))
]

let package = Package(
    name: "ctxevo",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ctxevo", targets: ["ctxevo"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // The innermost vector loops (exp, max, f16 rounding), compiled for AVX2 + FMA + F16C.
        .target(
            name: "CKernels",
            cSettings: [.unsafeFlags(["-O3", "-mavx2", "-mfma", "-mf16c", "-ffp-contract=off"])]),
        .target(name: "Arithmetic", dependencies: ["CBLAS", "CKernels"], swiftSettings: native),
        .target(name: "GGUF", dependencies: ["Arithmetic"], swiftSettings: native),
        .target(name: "Evolution", dependencies: ["Arithmetic"], swiftSettings: native),
        .target(
            name: "RunStore",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Logging", package: "swift-log"),
            ]),
        .target(name: "Transformer", dependencies: ["Arithmetic", "GGUF"], swiftSettings: native),
        .target(name: "RoPEScaling", dependencies: ["Transformer"], swiftSettings: native),
        .target(name: "MemoryPolicy", dependencies: ["Arithmetic", "Transformer"], swiftSettings: unchecked),
        .target(
            name: "Objectives", dependencies: ["Transformer", "RoPEScaling", "MemoryPolicy", "Arithmetic"],
            swiftSettings: native),
        // Downloads of the default model and texts, and the digests of what a run reads.
        .target(
            name: "Assets",
            dependencies: [
                "Objectives", .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // ask -> evaluate -> tell -> record, the experiment format and the objective registry; knows only
        // objectives, strategies and stores.
        .target(
            name: "RunLoop",
            dependencies: [
                "Objectives", "Evolution", "RunStore", .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]),
        .target(
            name: "Reporting", dependencies: ["RunLoop", "RunStore", .product(name: "Logging", package: "swift-log")]),
        // One module per method: its settings, set-up, objective, evaluation, exports and report views.
        .target(
            name: "BenchmarkFunctions",
            dependencies: [
                "RunLoop", "Objectives", "Evolution", "Arithmetic", "RunStore",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "LongRoPE",
            dependencies: [
                "RunLoop", "Reporting", "Assets", "Objectives", "RoPEScaling", "Transformer", "GGUF", "Evolution",
                "Arithmetic", "RunStore", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: native),
        .target(
            name: "NAMM",
            dependencies: [
                "RunLoop", "Reporting", "Assets", "Objectives", "MemoryPolicy", "Transformer", "Evolution",
                "Arithmetic",
                "RunStore", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: native),
        .target(
            name: "Pause",
            dependencies: [
                "RunLoop", "Reporting", "Assets", "Objectives", "MemoryPolicy", "Transformer", "Evolution",
                "Arithmetic",
                "RunStore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: native),
        // The live web page over a run database (`ctxevo dashboard`) and the report, its saved snapshot.
        .target(
            name: "Dashboard",
            dependencies: [
                "RunLoop", "RunStore", "Objectives", "Assets", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
            ]),
        // The standard objective registry and the engine's benchmarks.
        .target(
            name: "Workbench",
            dependencies: [
                "BenchmarkFunctions", "LongRoPE", "NAMM", "Pause", "RunLoop", "CBLAS", "CKernels", "Arithmetic",
                "Transformer",
                "Objectives",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "ctxevo",
            dependencies: [
                "Workbench", "Dashboard", "BenchmarkFunctions", "LongRoPE", "NAMM", "Pause", "RunLoop", "Reporting",
                "Assets",
                "Objectives",
                "RoPEScaling", "MemoryPolicy", "Transformer", "Evolution", "RunStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // A small random Llama GGUF for the tests that need a model but not the real one; temporary run stores; runs
        // stopped at random and resumed.
        .target(
            name: "TestSupport",
            dependencies: [
                "GGUF", "Arithmetic", "RunStore", "RunLoop", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport"),
        .testTarget(name: "ArithmeticTests", dependencies: ["Arithmetic"]),
        .testTarget(name: "EvolutionTests", dependencies: ["Evolution", "Arithmetic"]),
        .testTarget(name: "GGUFTests", dependencies: ["GGUF"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "TransformerTests",
            dependencies: [
                "Transformer", "Objectives", "Assets", "TestSupport", .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "RoPEScalingTests", dependencies: ["RoPEScaling", "Transformer"]),
        .testTarget(
            name: "MemoryPolicyTests",
            dependencies: ["MemoryPolicy", "Transformer", "Objectives", "Arithmetic", "TestSupport"]),
        .testTarget(name: "RunStoreTests", dependencies: ["RunStore", "TestSupport"]),
        .testTarget(
            name: "RunLoopTests",
            dependencies: [
                "RunLoop", "Reporting", "BenchmarkFunctions", "Workbench", "RunStore", "Evolution", "Objectives",
                "Arithmetic", "TestSupport",
            ]),
        .testTarget(
            name: "LongRoPETests",
            dependencies: [
                "LongRoPE", "RunLoop", "Workbench", "Assets", "Reporting", "Objectives", "RunStore", "Evolution",
                "Arithmetic", "RoPEScaling",
                "Transformer", "GGUF", "TestSupport", .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "NAMMTests", dependencies: ["NAMM", "MemoryPolicy", "Objectives"]),
        .testTarget(
            name: "PauseTests",
            dependencies: [
                "Pause", "RunLoop", "Workbench", "Objectives", "RunStore", "Transformer", "Arithmetic", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "DashboardTests",
            dependencies: [
                "Dashboard", "RunLoop", "RunStore", "Workbench", "Assets", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "ObjectivesTests", dependencies: ["Objectives", "Transformer", "TestSupport"]),
        .testTarget(name: "AssetsTests", dependencies: ["Assets"]),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting"]),
        .testTarget(
            name: "BenchmarkFunctionsTests",
            dependencies: [
                "BenchmarkFunctions", "RunLoop", "Evolution", .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "WorkbenchTests", dependencies: ["Workbench", "RunLoop", "Evolution", "BenchmarkFunctions"]),
    ]
)
