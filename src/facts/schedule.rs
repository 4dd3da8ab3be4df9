//! Probe scheduling: which facts a run wants, and collecting them — each family once, families
//! in parallel, every one under the deadline.

use super::{Context, FACTS_SCHEMA_VERSION, Fact, Facts, Family, catalogue, lookup};
use super::{config, files, host, jars, jdk, jvm, keystore, network, ports, product};
use crate::rules::{self, RuleSet, Selection};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// Probing under way for a check: started before the rule pack has loaded when what the pack
/// reads is known from the build, else once the packs have compiled.
pub enum Pending {
    /// The embedded pack alone: what it reads is known from the build, so the families already
    /// run while the pack loads.
    Probing(Arc<Context>, BTreeSet<String>, Launched),
    /// With `--rules`: probing waits for the packs to compile; the shared files are read
    /// meanwhile (see [`Context::prefetch`]).
    AfterRules(Arc<Context>),
}

/// Starts probing for the embedded pack at once (the build-time fast path), or, when `--rules`
/// adds packs, only prefetches until [`Pending::finish`] knows what they read.
pub fn start(ctx: Arc<Context>, selection: &Selection, extra_packs: bool) -> Pending {
    if extra_packs {
        ctx.prefetch();
        return Pending::AfterRules(ctx);
    }
    let names = wanted_embedded(selection);
    // The keystores' key derivations are the longest single piece of probing: started first.
    keystore::start_early(&ctx, &names);
    let launched = launch(&ctx, &names);
    Pending::Probing(ctx, names, launched)
}

/// Called each time a probe family answers while others still run, with the facts so far and
/// which of them are final, so that the rules that read only those can be judged meanwhile.
pub type Early<'a> = &'a mut dyn FnMut(&Facts, &dyn Fn(&str) -> bool);

impl Pending {
    /// The facts the selected rules of `rules` read; `early` sees them as the families answer
    /// (when probing started before the pack loaded).
    pub fn finish(self, rules: &RuleSet, selection: &Selection, early: Early<'_>) -> Facts {
        match self {
            Pending::Probing(ctx, names, launched) => launched.gather(&ctx, &names, early),
            Pending::AfterRules(ctx) => probe(ctx, wanted(rules, selection, false), false),
        }
    }
}

/// The facts the selected rules read; with `all`, every fact of the catalogue too (for
/// `preflight facts`). Deselected rules cost no probing.
pub fn wanted(rules: &RuleSet, selection: &Selection, all: bool) -> BTreeSet<String> {
    let reads = rules
        .rules
        .iter()
        .map(|r| (r.id.as_str(), r.category.as_str(), r.facts()));
    read_by_selected(reads, selection, &|s| rules.get(s).is_some(), all)
}

/// [`wanted`] for the embedded pack, from what its rules read as recorded at build time.
fn wanted_embedded(selection: &Selection) -> BTreeSet<String> {
    let all = rules::embedded_reads();
    let reads = all.iter().map(|(id, category, facts)| {
        (
            *id,
            *category,
            facts.iter().map(|f| f.to_string()).collect(),
        )
    });
    read_by_selected(
        reads,
        selection,
        &|s| all.iter().any(|(id, _, _)| *id == s),
        false,
    )
}

fn read_by_selected<'a>(
    reads: impl Iterator<Item = (&'a str, &'a str, Vec<String>)>,
    selection: &Selection,
    is_rule: &dyn Fn(&str) -> bool,
    all: bool,
) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = reads
        .filter(|(id, category, _)| selection.excludes(id, category, is_rule).is_none())
        .flat_map(|(_, _, facts)| facts)
        .collect();
    names.extend(["product.name", "product.version", "product.profile"].map(String::from));
    if all {
        let fixed = catalogue::all().iter().filter(|s| !s.name.ends_with('*'));
        names.extend(fixed.map(|s| s.name.to_string()));
    }
    names
}

/// Probes the wanted facts; with `all_config`, also every deployment.toml key, so that a facts
/// file answers rules written after it was collected.
pub fn probe(ctx: Arc<Context>, wanted: BTreeSet<String>, all_config: bool) -> Facts {
    let mut facts = launch(&ctx, &wanted).gather(&ctx, &wanted, &mut |_, _| {});
    add_config(&ctx, &mut facts, all_config);
    facts
}

/// With `all_config`, every deployment.toml key too, so that a facts file answers rules
/// written after it was collected.
fn add_config(ctx: &Context, facts: &mut Facts, all_config: bool) {
    // Only a deployment.toml already read: one whose read hangs (a stuck mount) has made the
    // config probe time out, and waiting for it here would hang the run.
    if let Some(d) = ctx
        .deployment_if_read()
        .filter(|_| all_config && ctx.product_home.is_some())
    {
        for (path, (v, loc)) in &d.keys {
            let f = Fact::value(v.clone()).at(Some(loc.clone()));
            facts.facts.entry(format!("deployment.{path}")).or_insert(f);
        }
    }
}

/// A facts file of `facts` collected on this host now.
fn facts_file(ctx: &Context, facts: BTreeMap<String, Fact>) -> Facts {
    Facts {
        schema_version: FACTS_SCHEMA_VERSION,
        collected_at: now_rfc3339(),
        hostname: hostname(),
        product_home: ctx.product_home.as_ref().map(|h| h.display().to_string()),
        offline: ctx.offline,
        facts,
    }
}

/// This host's name, as reports and facts files record it.
pub fn hostname() -> String {
    sysinfo::System::host_name().unwrap_or_else(|| "unknown".into())
}

/// Now, in UTC, as RFC 3339 to the second.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Families probing on their threads: what each was asked, and the channel they answer on.
pub struct Launched {
    by_family: BTreeMap<Family, Vec<String>>,
    unknown: BTreeMap<String, Fact>,
    answers: mpsc::Receiver<FamilyDone>,
    /// When the families started: the deadline counts from here.
    started: Instant,
}

/// Starts probing the named facts: each family once, families in parallel. The threads are
/// started from the calling thread (a thread that only started them would itself wait for a
/// CPU first); [`Launched::gather`] collects their answers under the deadline.
fn launch(ctx: &Arc<Context>, wanted: &BTreeSet<String>) -> Launched {
    let started = Instant::now();
    let mut by_family: BTreeMap<Family, Vec<String>> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for name in wanted {
        match lookup(name) {
            Some(spec) => by_family.entry(spec.family).or_default().push(name.clone()),
            None => {
                out.insert(
                    name.clone(),
                    Fact::not_collected(format!("unknown fact `{name}`")),
                );
            }
        }
    }
    let (tx, answers) = mpsc::channel();
    // Families that wait on something besides this host's files (DNS, peers, a java process)
    // get a thread each, so their waiting delays nobody; the rest share one thread per CPU
    // (starting a thread costs ~0.1 ms here, as much as some families' whole work).
    let (waiting, mut local): (Vec<_>, Vec<_>) = by_family
        .iter()
        .map(|(family, names)| (*family, names.clone()))
        .partition(|(family, _)| may_wait(*family, ctx.offline));
    let early = ctx.keystores().started_early();
    local.sort_by_key(|(family, _)| cost_rank(*family, early));
    for job in waiting {
        let (tx, ctx) = (tx.clone(), Arc::clone(ctx));
        crate::par::spawn_or_run(move || run_family(&ctx, job, &tx));
    }
    let local = Arc::new(Mutex::new(local.into_iter()));
    let workers = crate::par::cpus().min(local.lock().map_or(0, |q| q.len()));
    for _ in 0..workers {
        let (tx, ctx, local) = (tx.clone(), Arc::clone(ctx), Arc::clone(&local));
        crate::par::spawn_or_run(move || {
            // A family that hangs holds its worker; the other workers take the rest.
            while let Some(job) = local.lock().ok().and_then(|mut q| q.next()) {
                run_family(&ctx, job, &tx);
            }
        });
    }
    Launched {
        by_family,
        unknown: out,
        answers,
        started,
    }
}

impl Launched {
    /// Every wanted fact: as its family answered, or `unavailable` saying why not (a family
    /// that did not answer within the deadline, a fact no family reported). Each time a family
    /// answers and others are still to come, `early` sees the facts so far: those are final.
    fn gather(self, ctx: &Context, wanted: &BTreeSet<String>, early: Early<'_>) -> Facts {
        let Launched {
            by_family,
            unknown,
            answers,
            started,
        } = self;
        let deadline = started + ctx.deadline + Duration::from_millis(500);
        let mut pending: BTreeSet<Family> = by_family.keys().copied().collect();
        let mut facts = facts_file(ctx, unknown);
        let mut waiting = crate::progress::Waiting::new();
        while let Some(left) = pending.len().checked_sub(1) {
            receive(
                deadline,
                &answers,
                &mut facts.facts,
                (&mut pending, left),
                &mut waiting,
            );
            if pending.len() > left {
                break; // the deadline has passed
            }
            if !pending.is_empty() {
                // Only answered families' facts (and unknown ones) are in the map so far.
                early(&facts, &|name| facts.facts.contains_key(name));
            }
        }
        drop(waiting);
        let out = &mut facts.facts;
        for family in pending {
            for name in &by_family[&family] {
                let reason = format!(
                    "timed out: the {} probe did not answer within {}s",
                    family.name(),
                    ctx.deadline.as_secs()
                );
                out.insert(name.clone(), Fact::timed_out(reason));
            }
        }
        for name in wanted {
            out.entry(name.clone())
                .or_insert_with(|| Fact::not_collected("the probe did not report this fact"));
        }
        facts
    }
}

/// Takes the families' answers into `out` until no more than `left` families are `pending`,
/// or the deadline has passed; `waiting` says what is still awaited.
fn receive(
    deadline: Instant,
    answers: &mpsc::Receiver<FamilyDone>,
    out: &mut BTreeMap<String, Fact>,
    (pending, left): (&mut BTreeSet<Family>, usize),
    waiting: &mut crate::progress::Waiting,
) {
    while pending.len() > left {
        let left = deadline.saturating_duration_since(Instant::now());
        let tick = left.min(Duration::from_millis(100));
        match answers.recv_timeout(tick) {
            Ok((family, ms, facts)) => {
                pending.remove(&family);
                for (name, mut fact) in facts {
                    fact.duration_ms = ms;
                    out.insert(name, fact);
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) if tick < left => {}
            Err(_) => break,
        }
        let what: Vec<&str> = pending.iter().map(|f| awaited(*f)).collect();
        waiting.show(&what);
    }
}

/// What a family's probe waits on, for the progress line.
fn awaited(family: Family) -> &'static str {
    match family {
        Family::Jdk => "`java -version` (jdk)",
        Family::Network => "network peers (databases, user store)",
        Family::Host => "host name lookups",
        Family::Config => "deployment.toml and name lookups",
        other => other.name(),
    }
}

/// Whether probing a family may wait on something besides this host's files: name lookups
/// (host, config) and network peers unless `offline`, a `java -version` (jdk).
fn may_wait(family: Family, offline: bool) -> bool {
    match family {
        Family::Host | Family::Config | Family::Network => !offline,
        Family::Jdk => true,
        _ => false,
    }
}

/// Local families by how long they usually take, longest first (measured on a staged APIM 4.2
/// home: keystore ~1.4 ms, files ~0.5 ms, host ~0.45 ms, the rest under 0.35 ms): the shared
/// workers start the longest first, so no long one starts last. With the keystores opened since
/// the start of the run (`keystores_early`, [`keystore::start_early`]) the keystore probe
/// mostly waits for that work: last, so that no worker sits waiting while others could run.
fn cost_rank(family: Family, keystores_early: bool) -> u8 {
    match family {
        Family::Keystore if keystores_early => u8::MAX,
        Family::Keystore => 0,
        Family::Files => 1,
        Family::Host => 2,
        Family::Jvm => 3,
        Family::Ports => 4,
        Family::Config => 5,
        Family::Jars => 6,
        Family::Product => 7,
        Family::Network => 8,
        Family::Jdk => 9,
    }
}

type FamilyDone = (Family, u64, Vec<(String, Fact)>);

fn run_family(
    ctx: &Context,
    (family, names): (Family, Vec<String>),
    tx: &mpsc::Sender<FamilyDone>,
) {
    let started = Instant::now();
    let facts = probe_family(family, ctx, &names);
    let ms = started.elapsed().as_millis() as u64;
    let _ = tx.send((family, ms, facts));
}

fn probe_family(family: Family, ctx: &Context, names: &[String]) -> Vec<(String, Fact)> {
    match family {
        Family::Host => host::probe(ctx, names),
        Family::Product => product::probe(ctx, names),
        Family::Config => config::probe(ctx, names),
        Family::Jdk => jdk::probe(ctx, names),
        Family::Jvm => jvm::probe(ctx, names),
        Family::Ports => ports::probe(ctx, names),
        Family::Keystore => keystore::probe(ctx, names),
        Family::Files => files::probe(ctx, names),
        Family::Jars => jars::probe(ctx, names),
        Family::Network => network::probe(ctx, names),
    }
}
