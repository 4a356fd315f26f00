//! The sandbox's errors, each with a stable code. Errors that happen inside the runner travel to
//! the core as `(code, message)` and come back as the same variant through `from_wire`.

use std::fmt;

use crate::error::CoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SandboxError {
    /// EINVAL: the spec is wrong.
    Invalid(String),
    /// ENOTFOUND_PROGRAM: the program does not exist inside the sandbox.
    ProgramNotFound(String),
    /// ENOTFOUND_RUNNER: the orbit-sandbox executable is missing.
    RunnerNotFound(String),
    /// ENOENT: a host path the spec names (prefix, bind source) does not exist.
    PathNotFound(String),
    /// EACCES: the program exists but may not be executed.
    Access(String),
    /// ERUNNING: the container's sandbox is running with a view this run cannot join.
    Running(String),
    /// ESTALE: the instance to join ended meanwhile (the core retries with a new instance).
    Stale(String),
    /// ENOTFOUND_RUN: no run with that id (already collected, or never started).
    RunNotFound(String),
    /// ESANDBOX: setting up the sandbox failed (namespaces, mounts, fork...).
    Setup(String),
}

impl SandboxError {
    pub fn code(&self) -> &'static str {
        match self {
            SandboxError::Invalid(_) => "EINVAL",
            SandboxError::ProgramNotFound(_) => "ENOTFOUND_PROGRAM",
            SandboxError::RunnerNotFound(_) => "ENOTFOUND_RUNNER",
            SandboxError::PathNotFound(_) => "ENOENT",
            SandboxError::Access(_) => "EACCES",
            SandboxError::Running(_) => "ERUNNING",
            SandboxError::Stale(_) => "ESTALE",
            SandboxError::RunNotFound(_) => "ENOTFOUND_RUN",
            SandboxError::Setup(_) => "ESANDBOX",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            SandboxError::Invalid(m)
            | SandboxError::ProgramNotFound(m)
            | SandboxError::RunnerNotFound(m)
            | SandboxError::PathNotFound(m)
            | SandboxError::Access(m)
            | SandboxError::Running(m)
            | SandboxError::Stale(m)
            | SandboxError::RunNotFound(m)
            | SandboxError::Setup(m) => m,
        }
    }

    /// Rebuild an error reported by the runner; unknown codes become ESANDBOX.
    pub fn from_wire(code: &str, message: String) -> SandboxError {
        match code {
            "EINVAL" => SandboxError::Invalid(message),
            "ENOTFOUND_PROGRAM" => SandboxError::ProgramNotFound(message),
            "ENOTFOUND_RUNNER" => SandboxError::RunnerNotFound(message),
            "ENOENT" => SandboxError::PathNotFound(message),
            "EACCES" => SandboxError::Access(message),
            "ERUNNING" => SandboxError::Running(message),
            "ESTALE" => SandboxError::Stale(message),
            "ENOTFOUND_RUN" => SandboxError::RunNotFound(message),
            _ => SandboxError::Setup(message),
        }
    }

    /// A failed step of the set-up, with the OS error: ENOENT stays ENOENT (a missing path).
    pub fn os(step: &str, err: &std::io::Error) -> SandboxError {
        let message = format!("{step}: {err}");
        match err.kind() {
            std::io::ErrorKind::NotFound => SandboxError::PathNotFound(message),
            _ => SandboxError::Setup(message),
        }
    }
}

impl fmt::Display for SandboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for SandboxError {}

impl From<SandboxError> for CoreError {
    fn from(err: SandboxError) -> CoreError {
        CoreError::new(err.code(), err.message().to_string())
    }
}
