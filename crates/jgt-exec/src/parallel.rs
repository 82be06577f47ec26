//! The scheduler behind `--threads N`: workers pull ready nodes from one
//! queue, the calling thread tracks parents, skips and results.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::adapter::Adapter;
use crate::cancel::Cancel;
use crate::runner::build;
use crate::runner::skip_reason;
use jgt_core::{NodeResult, PlannedNode, Status, Work};

/// Builds `plan` on `workers` (one connection each), reporting each result
/// to `on_result` on the calling thread as it arrives.
pub(crate) fn schedule(
    workers: Vec<Box<dyn Adapter + Send>>,
    plan: &[PlannedNode],
    cancel: &Cancel,
    rerender: Option<&dyn crate::Rerender>,
    on_result: impl FnMut(&PlannedNode, &NodeResult),
) -> Vec<NodeResult> {
    let mut book = Book::new(plan, on_result);
    let capacity = workers.len();
    let (job_tx, job_rx) = mpsc::channel::<usize>();
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (done_tx, done_rx) = mpsc::channel::<NodeResult>();

    std::thread::scope(|scope| {
        for (number, worker) in (1..).zip(workers) {
            let jobs = Arc::clone(&job_rx);
            let done = done_tx.clone();
            scope.spawn(move || loop {
                let next = jobs.lock().unwrap_or_else(|p| p.into_inner()).recv();
                let Ok(index) = next else { break };
                // A panic while building one node fails that node; the
                // worker and the run go on.
                let mut result = catch_unwind(AssertUnwindSafe(|| {
                    build(worker.as_ref(), index, &plan[index], cancel, rerender)
                }))
                .unwrap_or_else(|panic| NodeResult {
                    message: Some(format!(
                        "jgt failed while building it: {}",
                        panic_text(&panic)
                    )),
                    ..NodeResult::new(index, Status::Error, 0.0)
                });
                result.thread = number;
                if done.send(result).is_err() {
                    break;
                }
            });
        }
        drop(done_tx);

        // Nodes are handed out one per free worker, so that the ready node
        // with the longest way to the end is always the next to start.
        let mut running = 0;
        while book.finished < plan.len() {
            while running < capacity {
                let Some((_, Reverse(index))) = book.ready.pop() else {
                    break;
                };
                let blocked = plan[index]
                    .parents
                    .iter()
                    .filter_map(|&p| book.results[p].as_ref())
                    .find(|r| !r.lets_children_run());
                match blocked {
                    Some(parent) => {
                        let skipped = NodeResult {
                            message: Some(skip_reason(plan, parent)),
                            ..NodeResult::new(index, Status::Skipped, 0.0)
                        };
                        book.record(skipped);
                    }
                    None => {
                        job_tx.send(index).expect("workers outlive the queue");
                        running += 1;
                    }
                }
            }
            if running == 0 {
                break;
            }
            let Ok(result) = done_rx.recv() else { break };
            running -= 1;
            book.record(result);
        }
        drop(job_tx);
    });
    book.results
        .into_iter()
        .enumerate()
        .map(|(index, result)| {
            result.unwrap_or_else(|| NodeResult {
                message: Some("not run: a worker stopped".into()),
                ..NodeResult::new(index, Status::Skipped, 0.0)
            })
        })
        .collect()
}

/// The message a panic carried, for the node's error.
fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

/// The scheduler's books: results so far, parents still awaited, and the
/// nodes ready to go, the one with the longest way to the end first (then
/// in plan order).
struct Book<'p, F> {
    plan: &'p [PlannedNode],
    on_result: F,
    results: Vec<Option<NodeResult>>,
    waiting: Vec<usize>,
    children: Vec<Vec<usize>>,
    ready: BinaryHeap<(u64, Reverse<usize>)>,
    priority: Vec<u64>,
    finished: usize,
}

impl<'p, F: FnMut(&PlannedNode, &NodeResult)> Book<'p, F> {
    fn new(plan: &'p [PlannedNode], on_result: F) -> Self {
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); plan.len()];
        for (index, node) in plan.iter().enumerate() {
            for &parent in &node.parents {
                children[parent].push(index);
            }
        }
        let waiting: Vec<usize> = plan.iter().map(|n| n.parents.len()).collect();
        let priority = longest_paths(plan, &children);
        let ready = (0..plan.len())
            .filter(|&i| waiting[i] == 0)
            .map(|i| (priority[i], Reverse(i)))
            .collect();
        Book {
            plan,
            on_result,
            results: vec![None; plan.len()],
            waiting,
            children,
            ready,
            priority,
            finished: 0,
        }
    }

    /// Records a result, reports it, and releases the children it unblocks.
    fn record(&mut self, result: NodeResult) {
        let index = result.index;
        (self.on_result)(&self.plan[index], &result);
        self.results[index] = Some(result);
        self.finished += 1;
        for &child in &self.children[index] {
            self.waiting[child] -= 1;
            if self.waiting[child] == 0 {
                self.ready.push((self.priority[child], Reverse(child)));
            }
        }
    }
}

/// A guess at a node's cost, in microseconds on a small machine: a seed
/// costs with its file's size (DuckDB reads some 40 bytes a microsecond,
/// sniffing included), anything else a couple of milliseconds.
fn estimated_cost(node: &PlannedNode) -> u64 {
    match &node.work {
        Work::Seed { csv, .. } => {
            let bytes = std::fs::metadata(csv).map(|m| m.len()).unwrap_or(0);
            1_000 + bytes / 40
        }
        _ => 2_000,
    }
}

/// For each node, the estimated cost of the costliest path from it to the
/// end of the plan (itself included): the critical path goes first. The
/// plan lists parents before their children.
fn longest_paths(plan: &[PlannedNode], children: &[Vec<usize>]) -> Vec<u64> {
    let mut longest = vec![0u64; plan.len()];
    for index in (0..plan.len()).rev() {
        let after = children[index]
            .iter()
            .map(|&child| longest[child])
            .max()
            .unwrap_or(0);
        longest[index] = estimated_cost(&plan[index]) + after;
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, parents: &[usize]) -> PlannedNode {
        PlannedNode {
            name: name.into(),
            path: format!("tests/{name}.sql").into(),
            compiled_path: None,
            relation: jgt_core::Relation::new("main", name),
            work: Work::Test {
                sql: "select 1 where false".into(),
                config: Default::default(),
                store_failures: None,
            },
            parents: parents.to_vec(),
            description: None,
            inlined: Vec::new(),
            hooks: Default::default(),
        }
    }

    #[test]
    fn the_longest_chain_comes_first() {
        // 0 alone; 1 -> 2 -> 3; 4 alone.
        let plan = vec![
            node("a", &[]),
            node("b", &[]),
            node("c", &[1]),
            node("d", &[2]),
            node("e", &[]),
        ];
        let mut children = vec![Vec::new(); plan.len()];
        for (index, n) in plan.iter().enumerate() {
            for &p in &n.parents {
                children[p].push(index);
            }
        }
        let longest = longest_paths(&plan, &children);
        assert_eq!(longest, vec![2_000, 6_000, 4_000, 2_000, 2_000]);
    }
}
