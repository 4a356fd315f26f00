//! container.yml: what a container is (identity, runtime reference, env, network, display,
//! limits, labels), plus the JSON shapes callers use to create and update one. Every write goes
//! through `validate`, so a file Orbit wrote always reads back.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use super::error::ContainerError;
use super::paths::validate_id;
use crate::sandbox::Network;

/// The container.yml format this code writes and reads.
pub const CONTAINER_FORMAT_VERSION: u32 = 1;

/// One container.yml. Field order is the order in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerConfig {
    pub id: String,
    pub name: String,
    /// The application's version, when known (e.g. from the installer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub runtime: RuntimeRef,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub network: Network,
    /// Absent in files written before displays existed: those load as `none`.
    #[serde(default)]
    pub display: DisplayMode,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// RFC 3339 UTC.
    pub created_at: String,
    pub format_version: u32,
}

/// Which base the container's layer sits on. `id`, `wineVersion` and `hash` are null for a
/// native container (its layer is its whole prefix).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeRef {
    pub kind: RuntimeKind,
    pub id: Option<String>,
    pub wine_version: Option<String>,
    /// The runtime's content hash (BLAKE3, hex): the runtime is named by what it holds.
    pub hash: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuntimeKind {
    #[default]
    Wine,
    Native,
}

/// Whether the container's runs see an X11 display. The core only keeps the setting: the gateway
/// knows which display "host" is (its own DISPLAY) and passes it in each run's spec.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DisplayMode {
    /// No display (GUI programs cannot open windows).
    #[default]
    None,
    /// The display of the host the gateway runs on.
    Host,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Limits {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mb: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pids: Option<u32>,
}

/// What a caller gives to create a container (JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateSpec {
    /// Chosen by the caller, or made from the name.
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub runtime: Option<RuntimeChoice>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub network: Network,
    #[serde(default)]
    pub display: DisplayMode,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// The runtime a new container asks for: a kind, and for Wine optionally a runtime id (default:
/// the runtime of the installed Wine version).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuntimeChoice {
    #[serde(default)]
    pub kind: RuntimeKind,
    #[serde(default)]
    pub id: Option<String>,
}

/// Fields of container.yml a caller may change; absent fields stay as they are. `version: null`
/// clears the version; `env`/`labels` replace the whole map.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdatePatch {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub version: Option<Option<String>>,
    #[serde(default)]
    pub env: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub network: Option<Network>,
    #[serde(default)]
    pub display: Option<DisplayMode>,
    #[serde(default)]
    pub limits: Option<Limits>,
    #[serde(default)]
    pub labels: Option<BTreeMap<String, String>>,
}

/// A field that is present (even as null) is `Some`, so `null` can mean "clear".
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

fn invalid(msg: impl Into<String>) -> ContainerError {
    ContainerError::Invalid(msg.into())
}

fn check_text(what: &str, s: &str, max: usize, allow_empty: bool) -> Result<(), ContainerError> {
    if (!allow_empty && s.trim().is_empty())
        || s.chars().count() > max
        || s.chars().any(char::is_control)
    {
        return Err(invalid(format!(
            "{what} must be {}at most {max} characters without control characters",
            if allow_empty { "" } else { "1 to " }
        )));
    }
    Ok(())
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

impl ContainerConfig {
    /// Every rule a container.yml must follow; the error names the first field that breaks one.
    pub fn validate(&self) -> Result<(), ContainerError> {
        validate_id("id", &self.id)?;
        check_text("name", &self.name, 200, false)?;
        if let Some(v) = &self.version {
            check_text("version", v, 100, false)?;
        }
        match self.runtime.kind {
            RuntimeKind::Wine => {
                let id = self
                    .runtime
                    .id
                    .as_deref()
                    .ok_or_else(|| invalid("a wine container needs runtime.id"))?;
                validate_id("runtime.id", id)?;
                if !self.runtime.hash.as_deref().is_some_and(is_hex64) {
                    return Err(invalid("runtime.hash must be 64 lowercase hex digits"));
                }
            }
            RuntimeKind::Native => {
                if self.runtime.id.is_some()
                    || self.runtime.hash.is_some()
                    || self.runtime.wine_version.is_some()
                {
                    return Err(invalid(
                        "a native container names no runtime id, hash or Wine version",
                    ));
                }
            }
        }
        if self.env.len() > 256 {
            return Err(invalid("env holds at most 256 variables"));
        }
        for (k, v) in &self.env {
            if k.is_empty()
                || k.len() > 256
                || k.contains(['=', '\0'])
                || k.chars().any(char::is_control)
            {
                return Err(invalid(format!("env name {k:?} is not valid")));
            }
            if v.contains('\0') || v.len() > 32 * 1024 {
                return Err(invalid(format!(
                    "env value of {k} must be under 32 KiB without NUL"
                )));
            }
        }
        if self
            .limits
            .memory_mb
            .is_some_and(|m| !(4..=1 << 30).contains(&m))
        {
            return Err(invalid("limits.memoryMb must be at least 4"));
        }
        if self.limits.pids == Some(0) {
            return Err(invalid("limits.pids must be at least 1"));
        }
        if self.labels.len() > 64 {
            return Err(invalid("labels holds at most 64 entries"));
        }
        for (k, v) in &self.labels {
            check_text("a label name", k, 128, false)?;
            check_text(&format!("label {k}"), v, 512, true)?;
        }
        if self.format_version != CONTAINER_FORMAT_VERSION {
            return Err(ContainerError::BadConfig(format!(
                "container.yml formatVersion {} is not supported (expected {CONTAINER_FORMAT_VERSION})",
                self.format_version
            )));
        }
        Ok(())
    }

    /// The YAML text of container.yml.
    pub fn to_yaml(&self) -> Result<String, ContainerError> {
        let body = serde_yaml::to_string(self)
            .map_err(|e| invalid(format!("cannot write container.yml: {e}")))?;
        Ok(format!("# Orbit container; edit through Orbit (orbit container update) so it stays valid.\n{body}"))
    }

    /// Read container.yml text; EBADCONFIG when it is not a valid container description.
    pub fn from_yaml(text: &str) -> Result<ContainerConfig, ContainerError> {
        let config: ContainerConfig = serde_yaml::from_str(text)
            .map_err(|e| ContainerError::BadConfig(format!("container.yml is not valid: {e}")))?;
        config.validate().map_err(|e| match e {
            ContainerError::Invalid(m) => ContainerError::BadConfig(format!("container.yml: {m}")),
            other => other,
        })?;
        Ok(config)
    }

    /// Apply a caller's patch (validated by the caller through `validate`).
    pub fn apply(&mut self, patch: UpdatePatch) {
        if let Some(name) = patch.name {
            self.name = name;
        }
        if let Some(version) = patch.version {
            self.version = version;
        }
        if let Some(env) = patch.env {
            self.env = env;
        }
        if let Some(network) = patch.network {
            self.network = network;
        }
        if let Some(display) = patch.display {
            self.display = display;
        }
        if let Some(limits) = patch.limits {
            self.limits = limits;
        }
        if let Some(labels) = patch.labels {
            self.labels = labels;
        }
    }
}
