//! The scheduler behind `--threads N`: workers pull ready nodes from one
//! queue, the calling thread tracks parents, skips and results.

use std::collections::VecDeque;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use crate::adapter::Adapter;
use crate::runner::{build, skip_reason, NodeResult, PlannedNode, Status};

/// Builds `plan` on `workers` (one connection each), reporting each result
/// to `on_result` on the calling thread as it arrives.
pub(crate) fn schedule(
    workers: Vec<Box<dyn Adapter + Send>>,
    plan: &[PlannedNode],
    mut on_result: impl FnMut(&PlannedNode, &NodeResult),
) -> Vec<NodeResult> {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); plan.len()];
    let mut waiting: Vec<usize> = plan.iter().map(|n| n.parents.len()).collect();
    for (index, node) in plan.iter().enumerate() {
        for &parent in &node.parents {
            children[parent].push(index);
        }
    }
    let mut results: Vec<Option<NodeResult>> = vec![None; plan.len()];
    let (job_tx, job_rx) = mpsc::channel::<usize>();
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (done_tx, done_rx) = mpsc::channel::<NodeResult>();

    std::thread::scope(|scope| {
        for worker in workers {
            let jobs = Arc::clone(&job_rx);
            let done = done_tx.clone();
            scope.spawn(move || loop {
                let next = jobs.lock().expect("job queue lock").recv();
                let Ok(index) = next else { break };
                if done
                    .send(build(worker.as_ref(), index, &plan[index]))
                    .is_err()
                {
                    break;
                }
            });
        }
        drop(done_tx);

        // Nodes whose parents are all finished, in plan order.
        let mut ready: VecDeque<usize> = (0..plan.len()).filter(|&i| waiting[i] == 0).collect();
        let mut running = 0;
        let mut finished = 0;
        while finished < plan.len() {
            while let Some(index) = ready.pop_front() {
                let blocked = plan[index]
                    .parents
                    .iter()
                    .filter_map(|&p| results[p].as_ref())
                    .find(|r| !r.lets_children_run());
                match blocked {
                    Some(parent) => {
                        let skipped = NodeResult {
                            message: Some(skip_reason(plan, parent)),
                            ..NodeResult::new(index, Status::Skipped, 0.0)
                        };
                        finish(
                            &mut results,
                            &mut waiting,
                            &children,
                            &mut ready,
                            &mut on_result,
                            plan,
                            skipped,
                        );
                        finished += 1;
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
            finished += 1;
            finish(
                &mut results,
                &mut waiting,
                &children,
                &mut ready,
                &mut on_result,
                plan,
                result,
            );
        }
        drop(job_tx);
    });
    results
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

/// Records a result, reports it, and releases the children it unblocks.
fn finish(
    results: &mut [Option<NodeResult>],
    waiting: &mut [usize],
    children: &[Vec<usize>],
    ready: &mut VecDeque<usize>,
    on_result: &mut impl FnMut(&PlannedNode, &NodeResult),
    plan: &[PlannedNode],
    result: NodeResult,
) {
    let index = result.index;
    on_result(&plan[index], &result);
    results[index] = Some(result);
    for &child in &children[index] {
        waiting[child] -= 1;
        if waiting[child] == 0 {
            ready.push_back(child);
        }
    }
}
