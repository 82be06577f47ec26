//! The scheduler behind `--threads N`: workers pull ready nodes from one
//! queue, the calling thread tracks parents, skips and results.

use std::collections::VecDeque;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::adapter::Adapter;
use crate::cancel::Cancel;
use crate::runner::build;
use crate::runner::skip_reason;
use jgt_core::{NodeResult, PlannedNode, Status};

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

        let mut running = 0;
        while book.finished < plan.len() {
            while let Some(index) = book.ready.pop_front() {
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
/// nodes ready to go, in plan order.
struct Book<'p, F> {
    plan: &'p [PlannedNode],
    on_result: F,
    results: Vec<Option<NodeResult>>,
    waiting: Vec<usize>,
    children: Vec<Vec<usize>>,
    ready: VecDeque<usize>,
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
        let ready = (0..plan.len()).filter(|&i| waiting[i] == 0).collect();
        Book {
            plan,
            on_result,
            results: vec![None; plan.len()],
            waiting,
            children,
            ready,
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
                self.ready.push_back(child);
            }
        }
    }
}
