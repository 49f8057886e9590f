"""The abseil sources ThreadSanitizer builds compile themselves.

Debian's libabsl is not built with ThreadSanitizer, so TSan cannot see
absl::Mutex, absl::CondVar or absl::Notification and reports every access they
guard as a race. A --config=tsan build (.bazelrc) therefore links its own
instrumented copy of abseil's synchronization and low-level base code into each
test; being in the executable, those definitions take the place of the shared
library's for every caller (gRPC's included).

The sources are the upstream release Debian packages (the same version as
libabsl-dev), fetched by ./dev setup into the cache outside the repository:
  ${XDG_CACHE_HOME:-~/.cache}/session-ingest/abseil-<version>/
Only the .cc files are linked into this repository: they compile against
Debian's installed headers (/usr/include/absl), whose inline namespace is the
one the shared libraries export, so the copies replace them symbol for symbol.

The repository is fetched lazily: only a --config=tsan build needs it.
"""

def _abseil_tsan_source_impl(ctx):
    cache = ctx.os.environ.get("XDG_CACHE_HOME", "")
    if not cache:
        cache = ctx.os.environ.get("HOME", "") + "/.cache"
    source = ctx.path("%s/session-ingest/abseil-%s" % (cache, ctx.attr.version))
    if not source.exists:
        fail(("abseil %s sources are missing at %s; run ./dev setup " +
              "(it fetches them for ThreadSanitizer builds)") % (ctx.attr.version, source))
    for src in ctx.attr.srcs:
        file = ctx.path("%s/%s" % (source, src))
        if not file.exists:
            fail("abseil %s at %s has no %s; remove the directory and rerun ./dev setup" %
                 (ctx.attr.version, source, src))
        ctx.symlink(file, src)
    ctx.symlink(ctx.attr.build_file, "BUILD.bazel")

abseil_tsan_source = repository_rule(
    implementation = _abseil_tsan_source_impl,
    attrs = {
        "version": attr.string(mandatory = True),
        "srcs": attr.string_list(mandatory = True),
        "build_file": attr.label(mandatory = True, allow_single_file = True),
    },
    environ = ["HOME", "XDG_CACHE_HOME"],
    local = True,
)
