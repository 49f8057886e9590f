"""Repository rule that turns pkg-config packages into cc_library targets.

Runs `pkg-config` once per package at fetch time, so link flags for Debian's
system libraries (gRPC, protobuf, librdkafka, libpq, ...) come from the machine
instead of a hand-kept list. Nothing is downloaded.

Usage in WORKSPACE:
    system_libraries(name = "system", packages = {"grpc++": ["grpc++"], ...})
gives `@system//:grpc++`.
"""

def _pkg_config(ctx, flag, packages):
    result = ctx.execute(["pkg-config", flag] + packages)
    if result.return_code != 0:
        fail("pkg-config %s %s failed: %s\nInstall the -dev packages with `./dev setup`." %
             (flag, " ".join(packages), result.stderr))
    return result.stdout.strip().split(" ") if result.stdout.strip() else []

def _system_libraries_impl(ctx):
    lines = ['package(default_visibility = ["//visibility:public"])', ""]
    for name, spec in ctx.attr.packages.items():
        pkg_names = [p for p in spec if not p.startswith("-")]
        extra_links = [p for p in spec if p.startswith("-")]
        linkopts = _pkg_config(ctx, "--libs", pkg_names) if pkg_names else []
        cflags = _pkg_config(ctx, "--cflags", pkg_names) if pkg_names else []
        defines = [f[2:] for f in cflags if f.startswith("-D")]

        # Header directories other than /usr/include are linked into the
        # repository so the sandbox sees them as declared inputs.
        includes = []
        for i, flag in enumerate([f for f in cflags if f.startswith("-I")]):
            directory = flag[2:]
            if directory in ("/usr/include", "/usr/include/"):
                continue
            link = "%s_include_%d" % (name.replace("+", "p"), i)
            ctx.symlink(directory, link)
            includes.append(link)
        lines.append("cc_library(")
        lines.append("    name = %r," % name)
        lines.append("    linkopts = %r," % (linkopts + extra_links))
        lines.append("    defines = %r," % defines)
        if includes:
            lines.append("    hdrs = glob([%s])," % ", ".join(['"%s/**/*.h"' % d for d in includes]))
            lines.append("    includes = %r," % includes)
        lines.append(")")
        lines.append("")
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)
    ctx.file("BUILD.bazel", "\n".join(lines))

system_libraries = repository_rule(
    implementation = _system_libraries_impl,
    attrs = {
        # target name -> pkg-config package names; entries starting with "-"
        # are passed to the linker as they are (libraries without a .pc file).
        "packages": attr.string_list_dict(mandatory = True),
    },
    local = True,
)
