#!/usr/bin/env python3
"""Checks the Containerfile, which cannot be built here (no container engine):
- its build stage runs the scripts CI runs (.ci/run), with the same arguments;
- its runtime stage installs, directly or through their dependencies, the Debian package of every
  shared library the sctpkit binary links (ldd), apart from those the slim base image ships;
- it ends as a non-root user with `sctpkit` as entrypoint.

    check_containerfile.py CONTAINERFILE CI_SCRIPT SCTPKIT_BINARY [--sanitized]
"""
import functools
import json
import os
import re
import shlex
import subprocess
import sys

# Packages every debian:12-slim image has: libc6, libgcc-s1 and libstdc++6 come with apt itself.
SLIM_BASE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6"}
# Sanitizer runtimes are linked only by the ASan build, which never goes into the image.
SANITIZER_LIBS = re.compile(r"^lib(asan|ubsan|lsan|tsan)\.so")


def parse_stages(text):
    """Returns [(stage_name, [(instruction, argument), ...]), ...] of a Containerfile."""
    text = re.sub(r"\\\n", " ", text)  # line continuations
    stages = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, argument = line.partition(" ")
        instruction = instruction.upper()
        argument = argument.strip()
        if instruction == "FROM":
            words = argument.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append((name, [("FROM", words[0])]))
        elif not stages:
            raise ValueError(f"instruction before FROM: {line}")
        else:
            stages[-1][1].append((instruction, argument))
    return stages


def commands_of(run_argument):
    """Splits a shell RUN line into its simple commands (at &&, ||, ;), each as a list of words."""
    if run_argument.startswith("["):
        return [json.loads(run_argument)]
    commands, current = [], []
    for word in shlex.split(run_argument, comments=True):
        if word in ("&&", "||", ";"):
            if current:
                commands.append(current)
            current = []
        else:
            current.append(word)
    if current:
        commands.append(current)
    return commands


def ci_script_commands(ci_text):
    """The scripts/ commands .ci/run calls, with arguments, e.g. ['scripts/test.sh', 'release']."""
    found = []
    for line in ci_text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("scripts/"):
            found.append(shlex.split(line))
    return found


def check_build_stage(stages, ci_text, errors):
    if len(stages) < 2:
        errors.append("Containerfile: expected a build stage and a runtime stage")
        return
    build = stages[0][1]
    if not build[0][1].split("/")[-1].startswith("debian:12"):
        errors.append(f"Containerfile: build stage must start from debian:12, not {build[0][1]}")
    runs = [cmd for ins, arg in build if ins == "RUN" for cmd in commands_of(arg)]
    ci = ci_script_commands(ci_text)
    if ["scripts/setup.sh"] not in ci:
        errors.append(".ci/run: does not run scripts/setup.sh (update this check with CI)")
    if ["scripts/setup.sh"] not in runs:
        errors.append("Containerfile: build stage must RUN scripts/setup.sh, as CI does")
    # CI builds the release flavour through scripts/test.sh release, which calls build.sh release.
    if ["scripts/test.sh", "release"] not in ci:
        errors.append(".ci/run: does not run scripts/test.sh release (update this check with CI)")
    if ["scripts/build.sh", "release"] not in runs:
        errors.append("Containerfile: build stage must RUN scripts/build.sh release, as CI does")
    for cmd in runs:
        if cmd and (cmd[0] in ("cmake", "ninja", "make", "g++", "c++") or
                    cmd[:2] in (["apt-get", "install"], ["apt", "install"])):
            errors.append(f"Containerfile: build stage runs `{' '.join(cmd)}` itself; build and "
                          "install only through the CI scripts so the two cannot drift")


def runtime_packages(stage, errors):
    packages = set()
    for ins, arg in stage:
        if ins != "RUN":
            continue
        for cmd in commands_of(arg):
            while cmd and "=" in cmd[0]:  # leading VAR=value assignments
                cmd = cmd[1:]
            if cmd[:2] in (["apt-get", "install"], ["apt", "install"]):
                packages |= {w for w in cmd[2:] if not w.startswith("-")}
    if not packages:
        errors.append("Containerfile: runtime stage installs no packages")
    return packages


@functools.lru_cache(maxsize=None)
def installed_depends():
    """{package: "Pre-Depends, Depends"} of every package installed here, in one dpkg-query."""
    run = subprocess.run(["dpkg-query", "-W", "-f", "${Package}\t${Pre-Depends}, ${Depends}\n"],
                         capture_output=True, text=True, check=True)
    table = {}
    for line in run.stdout.splitlines():
        name, _, depends = line.partition("\t")
        table[name] = table.get(name, "") + ", " + depends
    return table


def dependency_closure(packages):
    """Packages apt installs for `packages`: their Depends and Pre-Depends, recursively, as this
    Debian 12 machine records them (the image's runtime stage is Debian 12 too)."""
    table = installed_depends()
    seen, todo = set(), list(packages)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        for clause in filter(None, (c.strip() for c in table.get(p, "").split(","))):
            # Of alternatives, apt installs the first unless another is already there; count all.
            for alt in clause.split("|"):
                name = re.split(r"[\s(:]", alt.strip(), maxsplit=1)[0]
                if name:
                    todo.append(name)
    return seen


@functools.lru_cache(maxsize=None)
def owner_package(library_path):
    """The Debian package shipping a library file, trying the merged-/usr spellings of its path."""
    real = os.path.realpath(library_path)
    candidates = []
    for path in (library_path, real):
        candidates.append(path)
        candidates.append(path[4:] if path.startswith("/usr/") else "/usr" + path)
    run = subprocess.run(["dpkg-query", "-S"] + candidates, capture_output=True, text=True,
                         check=False)
    for line in run.stdout.splitlines():
        if ": " in line:
            return line.split(":", 1)[0].split(",")[0].strip()
    return None


def linked_libraries(binary):
    run = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True)
    libs = []
    for line in run.stdout.splitlines():
        m = re.match(r"^\s*(\S+)\s+=>\s+(/\S+)", line)
        if m:
            libs.append((m.group(1), m.group(2)))
        elif "not found" in line:
            raise RuntimeError(f"ldd: {line.strip()}")
    return libs


def check_runtime_stage(stages, binary, sanitized, errors):
    name, runtime = stages[-1]
    if not runtime[0][1].split("/")[-1].startswith("debian:12-slim"):
        errors.append(f"Containerfile: runtime stage must start from debian:12-slim, not {runtime[0][1]}")
    installed = runtime_packages(runtime, errors)
    provided = dependency_closure(installed | SLIM_BASE_PACKAGES)
    for soname, path in linked_libraries(binary):
        if sanitized and SANITIZER_LIBS.match(soname):
            continue
        package = owner_package(path)
        if package is None:
            errors.append(f"{binary}: links {soname} ({path}), which no Debian package ships")
        elif package.split(":")[0] not in provided:
            errors.append(f"Containerfile: {binary} links {soname} from package {package}, which the "
                          f"runtime stage does not install (it installs {sorted(installed)})")
    users = [arg for ins, arg in runtime if ins == "USER"]
    if not users or users[-1].split(":")[0] in ("root", "0"):
        errors.append("Containerfile: runtime stage must end as a non-root USER")
    elif not users[-1].split(":")[0].isdigit():
        errors.append("Containerfile: USER must be numeric, so that runAsNonRoot can verify it")
    entry = [arg for ins, arg in runtime if ins == "ENTRYPOINT"]
    if not entry or json.loads(entry[-1])[0] not in ("sctpkit", "/usr/local/bin/sctpkit"):
        errors.append('Containerfile: ENTRYPOINT must be ["sctpkit"]')
    copies = [arg for ins, arg in runtime if ins == "COPY" and "--from=" in arg]
    if not any(arg.split()[-1] in ("/usr/local/bin/sctpkit", "/usr/local/bin/") for arg in copies):
        errors.append("Containerfile: runtime stage must COPY sctpkit from the build stage into "
                      "/usr/local/bin")


def check(containerfile_text, ci_text, binary, sanitized=False):
    errors = []
    try:
        stages = parse_stages(containerfile_text)
    except ValueError as e:
        return [f"Containerfile: {e}"]
    check_build_stage(stages, ci_text, errors)
    if len(stages) >= 2:
        check_runtime_stage(stages, binary, sanitized, errors)
    return errors


def main(argv):
    if len(argv) not in (4, 5) or (len(argv) == 5 and argv[4] != "--sanitized"):
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        containerfile = f.read()
    with open(argv[2], encoding="utf-8") as f:
        ci = f.read()
    errors = check(containerfile, ci, argv[3], sanitized=len(argv) == 5)
    for e in errors:
        print(e)
    print(f"check_containerfile: {len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
