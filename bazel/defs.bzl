"""Build macros shared by every project target.

Each `si_cc_*` macro is the native rule with the project's warning flags, so
every library, binary and test is compiled the same way. Generated code
(protobuf/gRPC) does not go through these macros and is not held to -Werror.
"""

PROJECT_COPTS = [
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wno-unused-parameter",
    "-Wno-missing-field-initializers",
]

def si_cc_library(name, copts = [], **kwargs):
    native.cc_library(name = name, copts = PROJECT_COPTS + copts, **kwargs)

def si_cc_binary(name, copts = [], **kwargs):
    native.cc_binary(name = name, copts = PROJECT_COPTS + copts, **kwargs)

def si_cc_test(name, copts = [], deps = [], **kwargs):
    native.cc_test(
        name = name,
        copts = PROJECT_COPTS + copts,
        deps = deps + ["@system//:gtest_main", "@system//:gmock"] + select({
            # ThreadSanitizer must see abseil's locks: an instrumented copy.
            "//bazel:tsan": ["@abseil_tsan//:synchronization"],
            "//conditions:default": [],
        }),
        **kwargs
    )

def grpc_proto_library(name, srcs, deps = [], imports = [], alwayslink = False):
    """C++ protobuf + gRPC code for `srcs`, generated with the system protoc.

    Imports are resolved relative to this package (e.g. `ingest/v1/task.proto`
    inside //proto) and against /usr/include for the well-known types. The
    generated headers are included as "ingest/v1/ingest.pb.h".

    A .proto of another grpc_proto_library that `srcs` import goes in
    `imports` (protoc reads it; its code is not generated here) and that
    library in `deps` (its generated code).
    """
    package = native.package_name()
    outs_h = []
    outs_cc = []
    for src in srcs:
        stem = src[:-len(".proto")]
        outs_h += [stem + ".pb.h", stem + ".grpc.pb.h"]
        outs_cc += [stem + ".pb.cc", stem + ".grpc.pb.cc"]
    native.genrule(
        name = name + "_codegen",
        srcs = srcs + imports,
        outs = outs_h + outs_cc,
        cmd = " ".join([
            "/usr/bin/protoc",
            "-I" + package,
            "-I/usr/include",
            "--cpp_out=$(GENDIR)/" + package,
            "--grpc_out=$(GENDIR)/" + package,
            "--plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin",
            " ".join(["$(location %s)" % src for src in srcs]),
        ]),
        message = "Generating C++ protobuf/gRPC code for " + name,
    )
    native.cc_library(
        name = name,
        srcs = outs_cc,
        hdrs = outs_h,
        includes = ["."],
        alwayslink = alwayslink,
        deps = deps + ["@system//:protobuf", "@system//:grpc++"],
    )

def si_fuzz_target(name, srcs, deps = []):
    """A libFuzzer target `name`: `srcs` define LLVMFuzzerTestOneInput.

    Two binaries come of it:
      `name + "_replay_test"`  replays the seed corpus `corpus/<name>/` (and
                               the inputs of fixed crashes kept there) through
                               the target, in any build (replay_main.cc);
      `name + "_fuzzer"`       the libFuzzer binary, tagged manual: it links
                               only in ./dev fuzz's clang build
                               (--config=fuzz).
    """
    native.cc_library(
        name = name + "_target",
        testonly = True,
        srcs = srcs,
        copts = PROJECT_COPTS,
        deps = deps,
        alwayslink = True,
    )
    corpus = "corpus/" + name
    native.cc_test(
        name = name + "_replay_test",
        size = "small",
        srcs = ["replay_main.cc"],
        copts = PROJECT_COPTS,
        deps = [":" + name + "_target"],
        data = native.glob([corpus + "/**"]),
        args = [native.package_name() + "/" + corpus],
    )
    native.cc_binary(
        name = name + "_fuzzer",
        testonly = True,
        deps = [":" + name + "_target"],
        linkopts = ["-fsanitize=fuzzer"],
        tags = ["manual", "fuzzer"],
    )
