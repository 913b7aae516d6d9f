//! `cargo xtask`: cargo, with the native build tools the local model needs.
//!
//! llama.cpp (the `local` feature) builds with cmake, and its Rust bindings are generated with
//! libclang. A build script cannot hand environment variables to another crate's build script, so
//! this small binary does it before cargo starts: it uses the system's cmake and libclang when the
//! build would find them (and then changes nothing), and otherwise fetches pinned, hash-checked
//! wheels of them from PyPI into the cache, without root, and runs cargo with `CMAKE`,
//! `LIBCLANG_PATH` and `BINDGEN_EXTRA_CLANG_ARGS` pointing at them. The values are the same at
//! every run, so llama.cpp is not rebuilt because of them.

mod detect;
mod wheels;

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;

use detect::{Found, Host};
use wheels::Tool;

const USAGE: &str = "\
cargo xtask: cargo, with cmake and libclang available for llama.cpp (the `local` feature)

Usage:
    cargo xtask <cargo command> [args...]   run cargo with them, e.g. `cargo xtask test --workspace`
    cargo xtask env                         print the environment it sets, for a shell:
                                            eval \"$(cargo xtask env)\"
    cargo xtask help                        this text

It uses the system's cmake (CMAKE, else `cmake` on PATH) and libclang (LIBCLANG_PATH, else where
bindgen looks: llvm-config, the library path variables, the usual library folders) and then changes
nothing. Otherwise it fetches the `cmake` and `libclang` wheels from PyPI with pip (pinned versions,
every wheel's SHA-256 pinned) into the cache's `tools` folder, without root, and sets CMAKE,
LIBCLANG_PATH and BINDGEN_EXTRA_CLANG_ARGS for cargo.

Environment: OUTLINES_CACHE_DIR (else $XDG_CACHE_HOME/outlines, else ~/.cache/outlines) is the
cache; OUTLINES_PYTHON names the Python with pip (default python3).
Exit status: cargo's; 1 when the tools cannot be had; 2 for a usage error.
";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Task {
    Help,
    Env,
    /// A cargo command line, passed on as it is.
    Cargo(Vec<OsString>),
    Usage(String),
}

fn parse(args: Vec<OsString>) -> Task {
    match args.first().and_then(|a| a.to_str()) {
        None => Task::Usage("a cargo command is missing".into()),
        Some("help" | "--help" | "-h") => Task::Help,
        Some("env") if args.len() == 1 => Task::Env,
        Some("env") => Task::Usage("`env` takes no arguments".into()),
        Some(_) => Task::Cargo(args),
    }
}

fn main() {
    let code = match parse(std::env::args_os().skip(1).collect()) {
        Task::Help => {
            print!("{USAGE}");
            0
        }
        Task::Usage(problem) => {
            eprintln!("xtask: {problem}\n\n{USAGE}");
            2
        }
        Task::Env => match tools() {
            Ok(vars) => {
                print!("{}", exports(&vars, cfg!(windows)));
                0
            }
            Err(message) => fail(&message),
        },
        Task::Cargo(args) => match tools() {
            Ok(vars) => cargo(&args, &vars),
            Err(message) => fail(&message),
        },
    };
    std::process::exit(code);
}

fn fail(message: &str) -> i32 {
    eprintln!("xtask: {message}");
    1
}

/// The environment cargo needs for cmake and libclang: empty when the system has both.
fn tools() -> Result<Vec<(&'static str, OsString)>, String> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let root = if cfg!(windows) { "C:\\" } else { "/" };
    let host = Host {
        os: std::env::consts::OS,
        var: &var,
        output: &first_line,
        root: Path::new(root),
    };
    let mut vars = Vec::new();
    let mut tools_dir = None;

    match system_cmake(&host)? {
        Ok(line) => eprintln!("xtask: cmake: {line}"),
        Err(why) => {
            let cmake = fetched(&wheels::CMAKE, &why, &mut tools_dir)?;
            vars.push(("CMAKE", cmake.into_os_string()));
        }
    }

    match detect::libclang(&host)? {
        Some(Found::Given { var, path }) => {
            eprintln!("xtask: libclang: {} ({var})", path.display());
        }
        Some(Found::System(path)) => eprintln!("xtask: libclang: {} (system)", path.display()),
        None => {
            let why =
                "not found on the system (LIBCLANG_PATH, llvm-config, the usual library folders)";
            let lib = fetched(&wheels::LIBCLANG, why, &mut tools_dir)?;
            let dir = lib.parent().unwrap_or(&lib).to_path_buf();
            vars.push(("LIBCLANG_PATH", dir.into_os_string()));
            // The wheel has no compiler headers (`stddef.h`, `stdbool.h`): the C compiler's.
            match compiler_headers(&host) {
                Some(include) => {
                    eprintln!("xtask: compiler headers for bindgen: {}", include.display());
                    let mut args = var("BINDGEN_EXTRA_CLANG_ARGS").unwrap_or_default();
                    if !args.is_empty() {
                        args.push(" ");
                    }
                    args.push("-I");
                    args.push(&include);
                    vars.push(("BINDGEN_EXTRA_CLANG_ARGS", args));
                }
                None if cfg!(windows) => {}
                None => eprintln!(
                    "xtask: compiler headers for bindgen: none found (asked $CC, cc, gcc, clang); \
                     bindgen may fail with `stddef.h not found`: install a C compiler"
                ),
            }
        }
    }
    Ok(vars)
}

/// The system's cmake, described; `Ok(Err(why))` when it is missing or will not do (then it is
/// fetched); `Err` when the user's `CMAKE` does not run (then nothing is overridden).
fn system_cmake(host: &Host<'_>) -> Result<Result<String, String>, String> {
    let Some(found) = detect::cmake(host) else {
        return Ok(Err(
            "not found on the system (CMAKE unset, no `cmake` on PATH)".into(),
        ));
    };
    let path = found.path();
    let Some(line) = first_line(path, &["--version"]) else {
        return match found {
            Found::Given { .. } => Err(format!(
                "CMAKE is {}, which does not run (`--version` failed): fix or unset it",
                path.display()
            )),
            Found::System(_) => Ok(Err(format!(
                "{} does not run (`--version` failed)",
                path.display()
            ))),
        };
    };
    let origin = match &found {
        Found::Given { var, .. } => *var,
        Found::System(_) => "system",
    };
    Ok(match detect::cmake_version(&line) {
        Some(version) if version < detect::CMAKE_MINIMUM => Err(format!(
            "{} is {line}, older than llama.cpp's minimum {}.{}",
            path.display(),
            detect::CMAKE_MINIMUM.0,
            detect::CMAKE_MINIMUM.1
        )),
        _ => Ok(format!("{} ({line}, {origin})", path.display())),
    })
}

/// The tool from the cache, fetched first when it is not there. `why`: why the system's will
/// not do.
fn fetched(tool: &Tool, why: &str, tools_dir: &mut Option<PathBuf>) -> Result<PathBuf, String> {
    let name = tool.name;
    let tools = match tools_dir {
        Some(dir) => dir.clone(),
        None => tools_dir.insert(cache_dir()?.join("tools")).clone(),
    };
    if let Some(file) = tool.cached(&tools, std::env::consts::OS) {
        eprintln!(
            "xtask: {name}: {why}; using {} from the cache: {}",
            tool.requirement(),
            file.display()
        );
        return Ok(file);
    }
    eprintln!(
        "xtask: {name}: {why}; fetching {} from PyPI into {} (once) …",
        tool.requirement(),
        tools.display()
    );
    let python = python();
    check_pip(&python).map_err(|e| cannot(tool, &e))?;
    let file = tool.fetch(&tools, &python).map_err(|e| cannot(tool, &e))?;
    eprintln!(
        "xtask: {name}: {} (from PyPI, SHA-256 checked)",
        file.display()
    );
    Ok(file)
}

/// What to say when a tool can be neither found nor fetched.
fn cannot(tool: &Tool, error: &str) -> String {
    let install = match tool.name {
        "cmake" => {
            "install cmake (Debian: apt-get install cmake; macOS: brew install cmake), or set CMAKE to one"
        }
        _ => {
            "install libclang (Debian: apt-get install libclang-dev; macOS: xcode-select --install), or set LIBCLANG_PATH to its folder"
        }
    };
    format!(
        "{}: not on the system, and it could not be fetched.\n  {error}\n  To go on: fix the above and run again, or {install}.",
        tool.name
    )
}

fn python() -> String {
    std::env::var("OUTLINES_PYTHON")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| if cfg!(windows) { "python" } else { "python3" }.into())
}

fn check_pip(python: &str) -> Result<(), String> {
    wheels::run(Command::new(python).args(["-m", "pip", "--version"])).map_err(|e| {
        format!(
            "xtask fetches it with pip, and `{python} -m pip` does not run (install Python 3 with pip, \
             or name one with OUTLINES_PYTHON):\n  {e}"
        )
    })
}

/// The cache directory, as the model's: `OUTLINES_CACHE_DIR`, else `$XDG_CACHE_HOME/outlines`,
/// else `$HOME/.cache/outlines`.
fn cache_dir() -> Result<PathBuf, String> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("OUTLINES_CACHE_DIR") {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = var("XDG_CACHE_HOME") {
        return Ok(PathBuf::from(dir).join("outlines"));
    }
    if let Some(home) = var("HOME").or_else(|| var("USERPROFILE")) {
        return Ok(PathBuf::from(home).join(".cache").join("outlines"));
    }
    Err("no cache directory to fetch tools into: set OUTLINES_CACHE_DIR (or HOME)".into())
}

/// The C compiler's own headers (`stddef.h` and the like), for a libclang that has none.
fn compiler_headers(host: &Host<'_>) -> Option<PathBuf> {
    let cc = (host.var)("CC");
    let compilers = cc
        .iter()
        .map(OsString::as_os_str)
        .chain(["cc", "gcc", "clang"].map(OsStr::new));
    for compiler in compilers {
        let compiler = Path::new(compiler);
        let asked = [
            (host.output)(compiler, &["-print-file-name=include"]).map(PathBuf::from),
            (host.output)(compiler, &["-print-resource-dir"])
                .map(|d| Path::new(&d).join("include")),
        ];
        if let Some(dir) = asked
            .into_iter()
            .flatten()
            .find(|dir| dir.is_absolute() && dir.join("stddef.h").is_file())
        {
            return Some(dir);
        }
    }
    None
}

/// A command's first line of standard output, when it runs and succeeds.
fn first_line(program: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    let stdout = String::from_utf8(output.stdout).ok()?;
    let line = stdout.lines().next()?.trim().to_string();
    (output.status.success() && !line.is_empty()).then_some(line)
}

/// Runs cargo (the one that ran xtask) with the tools' environment; its exit status.
fn cargo(args: &[OsString], vars: &[(&'static str, OsString)]) -> i32 {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let set = if vars.is_empty() {
        "environment unchanged".to_string()
    } else {
        let names: Vec<&str> = vars.iter().map(|(name, _)| *name).collect();
        format!("with {} set", names.join(", "))
    };
    let shown: Vec<_> = args.iter().map(|a| a.to_string_lossy()).collect();
    eprintln!("xtask: cargo {} ({set})", shown.join(" "));
    let mut command = Command::new(&program);
    command.args(args).envs(vars.iter().map(|(k, v)| (k, v)));
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(set_by_cargo_run) {
            command.env_remove(&name);
        }
    }
    match command.status() {
        Ok(status) => exit_code(status),
        Err(e) => fail(&format!(
            "could not run {}: {e}",
            Path::new(&program).display()
        )),
    }
}

/// The variables `cargo run` sets for xtask itself, which are not the user's and must not reach
/// the cargo it runs (a build that sees different variables may rebuild).
fn set_by_cargo_run(name: &str) -> bool {
    name.starts_with("CARGO_PKG_")
        || matches!(
            name,
            "CARGO_MANIFEST_DIR"
                | "CARGO_MANIFEST_PATH"
                | "CARGO_MANIFEST_LINKS"
                | "CARGO_CRATE_NAME"
                | "CARGO_BIN_NAME"
                | "CARGO_PRIMARY_PACKAGE"
        )
}

fn exit_code(status: std::process::ExitStatus) -> i32 {
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        return 128 + signal;
    }
    status.code().unwrap_or(1)
}

/// The variables as shell commands: POSIX `export` lines, or PowerShell on Windows.
fn exports(vars: &[(&str, OsString)], powershell: bool) -> String {
    if vars.is_empty() {
        return "# cmake and libclang are on the system: nothing to set\n".into();
    }
    let mut out = String::new();
    for (name, value) in vars {
        let value = value.to_string_lossy();
        if powershell {
            out.push_str(&format!("$env:{name} = '{}'\n", value.replace('\'', "''")));
        } else {
            out.push_str(&format!(
                "export {name}='{}'\n",
                value.replace('\'', r"'\''")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder under the system's temporary one, removed when dropped.
    pub(crate) struct TempDir(PathBuf);

    impl TempDir {
        pub(crate) fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        pub(crate) fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn a_cargo_command_is_passed_on_as_it_is() {
        let line = args(&["test", "--workspace", "--", "--nocapture", "env", "help"]);
        assert_eq!(parse(line.clone()), Task::Cargo(line));
        let line = args(&["run", "--features", "local", "--example", "quickstart"]);
        assert_eq!(parse(line.clone()), Task::Cargo(line));
    }

    #[test]
    fn help_env_and_nothing_are_xtasks_own() {
        assert_eq!(parse(args(&["help"])), Task::Help);
        assert_eq!(parse(args(&["--help"])), Task::Help);
        assert_eq!(parse(args(&["env"])), Task::Env);
        assert!(matches!(parse(args(&["env", "-v"])), Task::Usage(_)));
        assert!(matches!(parse(args(&[])), Task::Usage(_)));
    }

    #[test]
    fn only_what_cargo_run_sets_is_kept_from_cargo() {
        for name in ["CARGO_PKG_NAME", "CARGO_MANIFEST_DIR", "CARGO_BIN_NAME"] {
            assert!(set_by_cargo_run(name), "{name}");
        }
        for name in [
            "CARGO_TARGET_DIR",
            "CARGO_HOME",
            "CARGO",
            "RUSTFLAGS",
            "CMAKE",
        ] {
            assert!(!set_by_cargo_run(name), "{name}");
        }
    }

    #[test]
    fn exports_are_quoted_for_the_shell() {
        let vars = [
            ("CMAKE", OsString::from("/home/o'neil/cmake")),
            ("LIBCLANG_PATH", OsString::from("/c")),
        ];
        assert_eq!(
            exports(&vars, false),
            "export CMAKE='/home/o'\\''neil/cmake'\nexport LIBCLANG_PATH='/c'\n"
        );
        assert_eq!(
            exports(&vars[..1], true),
            "$env:CMAKE = '/home/o''neil/cmake'\n"
        );
        assert!(exports(&[], false).starts_with('#'));
    }

    #[test]
    fn compiler_headers_are_the_first_folder_holding_stddef_h() {
        let tmp = TempDir::new("headers");
        let gcc = tmp.path().join("gcc/include");
        std::fs::create_dir_all(&gcc).unwrap();
        std::fs::write(gcc.join("stddef.h"), b"").unwrap();
        let none = |_: &str| None;
        let output = |program: &Path, args: &[&str]| match (program.to_str(), args) {
            (Some("cc"), ["-print-file-name=include"]) => Some("include".to_string()),
            (Some("gcc"), ["-print-file-name=include"]) => Some(gcc.display().to_string()),
            _ => None,
        };
        let host = Host {
            os: "linux",
            var: &none,
            output: &output,
            root: tmp.path(),
        };
        assert_eq!(compiler_headers(&host), Some(gcc.clone()));
    }
}
