//! Live sandboxes by container. A container has at most one instance (one init, one mount
//! namespace, so its overlay is mounted once and all its runs share one wineserver); a run for a
//! container whose instance is alive joins it. Each container has its own lock, so two starts at
//! once cannot both create an instance, and starts for different containers do not wait on each
//! other.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use super::client::{Runner, Started};
use super::display::X11Display;
use super::error::SandboxError;
use super::procfs;
use super::spec::RunSpec;

pub struct Instance {
    pub key: Option<String>,
    /// The spec of the run that created it: the view (prefix, binds, network, display) and limits.
    pub spec: RunSpec,
    /// The creating runner: the init's parent, alive as long as the instance.
    pub creator: Arc<Runner>,
    pub started: Started,
    runs: Mutex<Vec<Weak<Runner>>>,
}

/// Time the init gets after SIGKILL before the runner is killed directly.
const KILL_WAIT: Duration = Duration::from_secs(2);

impl Instance {
    pub fn new(
        key: Option<String>,
        spec: RunSpec,
        creator: Arc<Runner>,
        started: Started,
    ) -> Arc<Instance> {
        let runs = Mutex::new(vec![Arc::downgrade(&creator)]);
        Arc::new(Instance {
            key,
            spec,
            creator,
            started,
            runs,
        })
    }

    /// The init still exists and is the same process (not a recycled pid).
    pub fn alive(&self) -> bool {
        !self.creator.ended()
            && procfs::start_time(self.started.init_pid) == Some(self.started.init_start)
    }

    pub fn attach(&self, run: &Arc<Runner>) {
        let mut runs = self.runs.lock().unwrap_or_else(|p| p.into_inner());
        runs.retain(|r| r.strong_count() > 0);
        runs.push(Arc::downgrade(run));
    }

    /// Runs whose program has not exited yet.
    pub fn attached(&self) -> usize {
        let runs = self.runs.lock().unwrap_or_else(|p| p.into_inner());
        runs.iter()
            .filter_map(Weak::upgrade)
            .filter(|r| !r.has_exited())
            .count()
    }

    /// Why `spec` cannot run in this instance, if it cannot: the view is fixed at creation.
    pub fn incompatibility(&self, spec: &RunSpec) -> Option<String> {
        if spec.prefix != self.spec.prefix {
            return Some("a different prefix".into());
        }
        if spec.network != self.spec.network {
            return Some("a different network policy".into());
        }
        if spec.display != self.spec.display {
            return Some(format!(
                "{} (this run asks for {})",
                X11Display::shown(self.spec.display.as_ref()),
                X11Display::shown(spec.display.as_ref())
            ));
        }
        if let Some(b) = spec.binds.iter().find(|b| !self.spec.binds.contains(b)) {
            return Some(format!("without the bind {}", b.dst));
        }
        None
    }

    /// End the whole instance: SIGTERM to every process in it, then after `grace` kill the init
    /// (the kernel then kills the rest), and as a last resort the runner itself.
    pub fn shutdown(&self, grace: Duration) {
        if self.creator.ended() {
            return;
        }
        self.creator.signal(libc::SIGUSR2);
        if self.creator.wait_ended(Some(grace)) {
            return;
        }
        self.creator.signal(libc::SIGQUIT);
        if self.creator.wait_ended(Some(KILL_WAIT)) {
            return;
        }
        // Its death kills the init through the parent-death signal.
        self.creator.signal(libc::SIGKILL);
        self.creator.wait_ended(Some(KILL_WAIT));
    }

    pub fn info(&self) -> InstanceInfo {
        InstanceInfo {
            key: self.key.clone(),
            init_pid: self.started.init_pid,
            runner_pid: self.creator.pid(),
            attached: self.attached(),
            limits: self.started.limits,
        }
    }
}

/// A live instance as seen from outside.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceInfo {
    pub key: Option<String>,
    pub init_pid: i32,
    pub runner_pid: i32,
    pub attached: usize,
    pub limits: super::limits::LimitsApplied,
}

type Slot = Arc<Mutex<Option<Arc<Instance>>>>;

fn slots() -> &'static Mutex<HashMap<String, Slot>> {
    static SLOTS: OnceLock<Mutex<HashMap<String, Slot>>> = OnceLock::new();
    SLOTS.get_or_init(Default::default)
}

/// The slot of one container; lock it for the whole create-or-join decision.
pub fn slot(key: &str) -> Slot {
    let mut map = slots().lock().unwrap_or_else(|p| p.into_inner());
    map.entry(key.to_string()).or_default().clone()
}

/// The live instance of `key`, if any (a dead one is forgotten on the way).
pub fn live(key: &str) -> Option<Arc<Instance>> {
    let slot = slot(key);
    let mut inst = slot.lock().unwrap_or_else(|p| p.into_inner());
    if inst.as_ref().is_some_and(|i| !i.alive()) {
        *inst = None;
    }
    inst.clone()
}

/// Every live instance with a key.
pub fn list() -> Vec<InstanceInfo> {
    let keys: Vec<String> = slots()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .keys()
        .cloned()
        .collect();
    keys.iter()
        .filter_map(|k| live(k))
        .map(|i| i.info())
        .collect()
}

/// Stop the instance of `key` (everything running in that container). False if none was live.
pub fn stop(key: &str, grace: Duration) -> Result<bool, SandboxError> {
    match live(key) {
        Some(inst) => {
            inst.shutdown(grace);
            Ok(true)
        }
        None => Ok(false),
    }
}
