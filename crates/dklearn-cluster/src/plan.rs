//! Placement: which process runs each task, decided from the graph alone so
//! that every process computes the same answer without talking.

use std::collections::HashMap;

use dklearn_graph::{Codecs, Error, ErrorKind, Graph, Key, Task};

/// The graph flattened to indices in [`Graph::toposort`] order, with each
/// task's process and the processes each value must be sent to.
pub(crate) struct Plan<'g> {
    pub order: Vec<Key>,
    pub tasks: Vec<&'g Task>,
    pub deps: Vec<Vec<u32>>,
    /// Dependents of each task, with multiplicity, ascending.
    pub dependents: Vec<Vec<u32>>,
    /// The process that runs each task (for a literal, nominally 0: see
    /// `literal`).
    pub home: Vec<u32>,
    /// Literal tasks (constants of the graph, which every process built
    /// alike): computed by every process that reads them (and by process 0,
    /// which reports them), never sent.
    pub literal: Vec<bool>,
    /// The processes (other than `home`) that need each value, ascending.
    pub send_to: Vec<Vec<u32>>,
    /// Requested keys' indices, in request order.
    pub wanted: Vec<u32>,
    pub is_wanted: Vec<bool>,
}

/// Estimated size, in units, of a value that is a leaf or derived from its
/// inputs one-for-one (a chunk, a transformed chunk).
const CHUNK: u64 = 2;
/// Estimated size of a value computed from several inputs (a fit, a sum, a
/// score): such tasks mostly reduce their inputs.
const REDUCED: u64 = 1;

impl<'g> Plan<'g> {
    /// Placement rule (deterministic, from the graph and the process count):
    ///
    /// - literals (data put in the graph: parameters, an estimator to fit,
    ///   the file names of a partition) are computed wherever they are read
    ///   and never cross; they weigh nothing below;
    /// - roots (tasks whose inputs are all literals, e.g. reading a
    ///   partition) in priority order are cut into `p`
    ///   contiguous ranges of (nearly) equal length, range `i` on process `i`;
    ///   the priority order is depth-first from the requested keys, so for a
    ///   graph over chunks it is chunk order and a chain over the chunks
    ///   crosses processes at most `p - 1` times;
    /// - every other task runs on the process that holds most of its input
    ///   bytes by a static estimate (sizes are unknown before running): a
    ///   value made from one input (a leaf or a map of one) counts 2 units,
    ///   a value made from several inputs (a fit, a sum, a score) 1 unit;
    ///   ties go to the input computed last in priority order (the nearest
    ///   in a depth-first chain).
    pub(crate) fn new(graph: &'g Graph, keys: &[Key], processes: usize) -> Result<Plan<'g>, Error> {
        let order = graph.toposort(keys)?;
        let n = order.len();
        if n >= u32::MAX as usize {
            return Err(Error::scheduler(format!(
                "graph of {n} tasks is too large for the cluster scheduler"
            )));
        }
        let mut index: HashMap<&Key, u32> = HashMap::with_capacity(n);
        for (i, k) in order.iter().enumerate() {
            index.insert(k, i as u32);
        }
        let mut tasks = Vec::with_capacity(n);
        let mut deps = Vec::with_capacity(n);
        let mut dependents: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (i, k) in order.iter().enumerate() {
            let task = graph
                .get(k)
                .ok_or_else(|| Error::scheduler(format!("task {k} vanished from the graph")))?;
            let mut d = Vec::with_capacity(task.deps().len());
            for dep in task.deps() {
                let j = *index.get(dep).ok_or_else(|| {
                    Error::scheduler(format!("dependency {dep} of {k} not ordered"))
                })?;
                d.push(j);
                dependents[j as usize].push(i as u32);
            }
            tasks.push(task);
            deps.push(d);
        }
        let literal: Vec<bool> = tasks.iter().map(|t| t.is_literal()).collect();
        // Inputs that are computed (not literals), per task.
        let computed = |i: usize| deps[i].iter().filter(|&&j| !literal[j as usize]).count();
        let roots = (0..n).filter(|&i| !literal[i] && computed(i) == 0).count();
        let mut home = vec![0u32; n];
        let mut size = vec![CHUNK; n];
        let mut root = 0usize;
        let mut weight: Vec<(u32, u64, u32)> = Vec::new();
        for i in 0..n {
            if literal[i] {
                size[i] = 0;
                continue;
            }
            let inputs = computed(i);
            if inputs == 0 {
                home[i] = (root * processes / roots.max(1)) as u32;
                root += 1;
                continue;
            }
            if inputs > 1 {
                size[i] = REDUCED;
            }
            // (process, units, latest input index) per input process.
            weight.clear();
            for &j in deps[i].iter().filter(|&&j| !literal[j as usize]) {
                let h = home[j as usize];
                match weight.iter_mut().find(|w| w.0 == h) {
                    Some(w) => {
                        w.1 += size[j as usize];
                        w.2 = w.2.max(j);
                    }
                    None => weight.push((h, size[j as usize], j)),
                }
            }
            let best = weight.iter().max_by_key(|w| (w.1, w.2)).map_or(0, |w| w.0);
            home[i] = best;
        }
        let mut is_wanted = vec![false; n];
        let mut wanted = Vec::with_capacity(keys.len());
        for k in keys {
            let i = *index
                .get(k)
                .ok_or_else(|| Error::scheduler(format!("requested key {k} not ordered")))?;
            is_wanted[i as usize] = true;
            wanted.push(i);
        }
        let mut send_to = vec![Vec::new(); n];
        for i in 0..n {
            if literal[i] {
                continue;
            }
            let mut to: Vec<u32> = if is_wanted[i] {
                (0..processes as u32).collect()
            } else {
                dependents[i].iter().map(|&d| home[d as usize]).collect()
            };
            to.sort_unstable();
            to.dedup();
            to.retain(|&p| p != home[i]);
            send_to[i] = to;
        }
        Ok(Plan {
            order,
            tasks,
            deps,
            dependents,
            home,
            literal,
            send_to,
            wanted,
            is_wanted,
        })
    }

    /// Checks, before anything runs, that every value that will cross
    /// processes (a reader elsewhere, or a requested key: requested values
    /// are returned on every process) has an encoding, when its task
    /// records its output type ([`Task::output_type`]: every task of the
    /// typed APIs does). The first offender in priority order is an
    /// [`ErrorKind::NoEncoding`] naming its key and type; every process
    /// computes the same plan, so every process fails alike. A task
    /// without a record is checked when its value is sent.
    pub(crate) fn check_encodings(&self, codecs: &Codecs) -> Result<(), Error> {
        for (i, to) in self.send_to.iter().enumerate() {
            let (Some(&dest), Some(t)) = (to.first(), self.tasks[i].output_type()) else {
                continue;
            };
            if codecs.can_encode_type(t.id()) {
                continue;
            }
            let mut needed_for = format!("sent from process {} to process {dest}", self.home[i]);
            if self.is_wanted[i] {
                needed_for.push_str(
                    " (it is requested, and requested values are returned on every process)",
                );
            }
            return Err(Error::new(ErrorKind::NoEncoding {
                key: self.order[i].clone(),
                type_name: t.name(),
                needed_for,
            }));
        }
        Ok(())
    }

    /// A 64-bit FNV-1a hash of the ordered keys, the requests and the
    /// placement: two processes with different graphs disagree on it.
    pub(crate) fn fingerprint(&self, round: u64) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |b: &[u8]| {
            for &x in b {
                h ^= u64::from(x);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        };
        eat(&round.to_le_bytes());
        for (k, d) in self.order.iter().zip(&self.deps) {
            eat(k.as_str().as_bytes());
            eat(&[0xff]);
            eat(&(d.len() as u64).to_le_bytes());
        }
        for w in &self.wanted {
            eat(&w.to_le_bytes());
        }
        h
    }
}

/// Where each task of what `keys` need runs on a cluster of `processes`
/// processes: (key, process), in priority order. Every process of a
/// [`Cluster`](crate::Cluster) computes exactly this placement. A literal
/// (a [`Task::literal`]) is listed on process 0, which always computes it;
/// every other process that reads it computes it too (it never crosses).
pub fn placement(
    graph: &Graph,
    keys: &[Key],
    processes: usize,
) -> Result<Vec<(Key, usize)>, Error> {
    let plan = Plan::new(graph, keys, processes.max(1))?;
    Ok(plan
        .order
        .into_iter()
        .zip(plan.home)
        .map(|(k, h)| (k, h as usize))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use dklearn_graph::Value;
    use std::sync::Arc;

    fn k(s: &str) -> Key {
        Key::from_string(s)
    }

    fn task(deps: &[&str]) -> Task {
        Task::new(deps.iter().map(|d| k(d)).collect(), |_: &[Value]| {
            Ok(Arc::new(0i64) as Value)
        })
    }

    /// A chained fit over 6 chunks on 3 processes: the chunks in contiguous
    /// pairs, each fit step with its chunk, so the model crosses twice.
    #[test]
    fn chain_crosses_p_minus_one_times() {
        let mut g = Graph::new();
        let mut prev: Option<String> = None;
        for c in 0..6 {
            g.insert(k(&format!("x{c}")), task(&[]));
            g.insert(k(&format!("t{c}")), task(&[&format!("x{c}")]));
            let m = format!("m{c}");
            match &prev {
                None => g.insert(k(&m), task(&[&format!("t{c}")])),
                Some(p) => g.insert(k(&m), task(&[p, &format!("t{c}")])),
            }
            prev = Some(m);
        }
        let plan = Plan::new(&g, &[k("m5")], 3).unwrap();
        let home = |s: &str| plan.home[plan.order.iter().position(|x| x == &k(s)).unwrap()];
        let homes: Vec<u32> = (0..6).map(|c| home(&format!("x{c}"))).collect();
        assert_eq!(homes, [0, 0, 1, 1, 2, 2]);
        for c in 0..6 {
            assert_eq!(home(&format!("m{c}")), home(&format!("x{c}")));
        }
        let crossings: usize = (0..5)
            .filter(|c| home(&format!("m{c}")) != home(&format!("m{}", c + 1)))
            .count();
        assert_eq!(crossings, 2);
        // The requested model goes to the two other processes.
        let last = plan.order.iter().position(|x| x == &k("m5")).unwrap();
        assert_eq!(plan.send_to[last], [0, 1]);
    }

    /// Literals (an estimator, the classes, a partition's file names) are
    /// read where they are needed: they neither take a place in the root
    /// ranges nor pull a chain step to another process.
    #[test]
    fn literals_are_local_and_never_sent() {
        let lit = || Task::literal(Arc::new(0i64));
        let mut g = Graph::new();
        g.insert(k("est"), lit());
        let mut prev = "est".to_string();
        for c in 0..4 {
            g.insert(k(&format!("files{c}")), lit());
            g.insert(k(&format!("read{c}")), task(&[&format!("files{c}")]));
            let m = format!("m{c}");
            g.insert(k(&m), task(&[&prev, &format!("read{c}")]));
            prev = m;
        }
        let plan = Plan::new(&g, &[k("m3")], 2).unwrap();
        let at = |s: &str| plan.order.iter().position(|x| x == &k(s)).unwrap();
        let homes: Vec<u32> = (0..4).map(|c| plan.home[at(&format!("read{c}"))]).collect();
        assert_eq!(homes, [0, 0, 1, 1]);
        // The first step runs with its chunk, not with the estimator.
        assert_eq!(plan.home[at("m0")], 0);
        assert!(plan.literal[at("est")] && plan.send_to[at("est")].is_empty());
        assert!(plan.send_to[at("files2")].is_empty());
        let crossings = (0..3)
            .filter(|c| plan.home[at(&format!("m{c}"))] != plan.home[at(&format!("m{}", c + 1))])
            .count();
        assert_eq!(crossings, 1);
    }
}
