//! From a selection of the graph to the runner's plan.
//!
//! In `build`, the children of a tested node also wait for its tests (so a
//! failing test stops bad data from flowing on), which can change the
//! order: the plan is sorted again with those extra dependencies.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use jgt_core::Materialization;
use jgt_core::{Inlined, PlannedNode, SeedOptions, Work};
use jgt_graph::{NodeId, NodeKind};

use crate::compile::Compiled;

/// The plan for `ids` (in graph order).
pub fn plan(compiled: &Compiled, ids: &[NodeId], store_failures: bool) -> Vec<PlannedNode> {
    // Ephemeral models are never built: they live on inside their dependents.
    let ids: Vec<NodeId> = ids
        .iter()
        .copied()
        .filter(|id| compiled.node(*id).materialization != Some(Materialization::Ephemeral))
        .collect();
    let ids = ids.as_slice();
    let chosen: HashSet<NodeId> = ids.iter().copied().collect();
    // Tests in the selection, by the node they check.
    let mut tests_of: HashMap<NodeId, Vec<NodeId>> = HashMap::new();
    for &id in ids {
        if let Some(test) = &compiled.node(id).test {
            for &tested in &test.attached_to {
                tests_of.entry(tested).or_default().push(id);
            }
        }
    }
    let reads: HashMap<NodeId, HashSet<NodeId>> = tests_of
        .values()
        .flatten()
        .map(|&test| (test, compiled.dag.reach(test, true, None)))
        .collect();
    let unit_tests_of = unit_tests_by_model(compiled, ids);
    let mut parents: HashMap<NodeId, Vec<NodeId>> = HashMap::new();
    for &id in ids {
        // A unit test runs right before its model, once the model's own
        // parents are built; the model waits for it.
        let builds_after = match &compiled.node(id).unit_test {
            Some(unit) => unit.model,
            None => id,
        };
        let mut list: Vec<NodeId> =
            crate::ephemeral::build_parents(&compiled.dag, &compiled.nodes, builds_after)
                .into_iter()
                .filter(|p| chosen.contains(p))
                .collect();
        list.extend(unit_tests_of.get(&id).into_iter().flatten());
        if !matches!(compiled.node(id).kind, NodeKind::Test | NodeKind::UnitTest) {
            for parent in compiled.dag.parents(id) {
                for &test in tests_of.get(&parent).into_iter().flatten() {
                    // A test that reads this node itself cannot gate it.
                    if !reads[&test].contains(&id) {
                        list.push(test);
                    }
                }
            }
        }
        list.sort();
        list.dedup();
        parents.insert(id, list);
    }
    let mut order = reorder(ids, &parents);
    if order.len() < ids.len() {
        // The extra test edges closed a loop: fall back to the graph alone.
        for &id in ids {
            let list: Vec<NodeId> = compiled
                .dag
                .parents(id)
                .into_iter()
                .filter(|p| chosen.contains(p))
                .collect();
            parents.insert(id, list);
        }
        order = ids.to_vec();
    }
    let position: HashMap<NodeId, usize> =
        order.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    order
        .iter()
        .map(|&id| planned(compiled, id, &parents[&id], &position, store_failures))
        .collect()
}

/// The unit tests in the selection, by the model they test.
fn unit_tests_by_model(compiled: &Compiled, ids: &[NodeId]) -> HashMap<NodeId, Vec<NodeId>> {
    let mut by_model: HashMap<NodeId, Vec<NodeId>> = HashMap::new();
    for &id in ids {
        if let Some(unit) = &compiled.node(id).unit_test {
            by_model.entry(unit.model).or_default().push(id);
        }
    }
    by_model
}

/// Kahn's algorithm over the selection, keeping graph order where free.
fn reorder(ids: &[NodeId], parents: &HashMap<NodeId, Vec<NodeId>>) -> Vec<NodeId> {
    let rank: HashMap<NodeId, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut waiting: HashMap<NodeId, usize> =
        ids.iter().map(|id| (*id, parents[id].len())).collect();
    let mut children: HashMap<NodeId, Vec<NodeId>> = HashMap::new();
    for (&child, list) in parents {
        for &parent in list {
            children.entry(parent).or_default().push(child);
        }
    }
    let mut ready: BinaryHeap<Reverse<(usize, NodeId)>> = ids
        .iter()
        .filter(|id| waiting[id] == 0)
        .map(|id| Reverse((rank[id], *id)))
        .collect();
    let mut order = Vec::with_capacity(ids.len());
    while let Some(Reverse((_, id))) = ready.pop() {
        order.push(id);
        for &child in children.get(&id).into_iter().flatten() {
            let left = waiting.get_mut(&child).expect("every child is counted");
            *left -= 1;
            if *left == 0 {
                ready.push(Reverse((rank[&child], child)));
            }
        }
    }
    order
}

fn planned(
    compiled: &Compiled,
    id: NodeId,
    parents: &[NodeId],
    position: &HashMap<NodeId, usize>,
    store_failures: bool,
) -> PlannedNode {
    let node = compiled.node(id);
    let work = match (&node.kind, &node.test) {
        (_, _) if node.unit_test.is_some() => {
            let unit = node.unit_test.as_ref().expect("matched as a unit test");
            Work::UnitTest(Box::new(unit.work.clone()))
        }
        (NodeKind::Seed, _) => Work::Seed {
            csv: compiled.project.root.join(&node.path),
            options: SeedOptions {
                delimiter: node.config.delimiter.clone(),
                column_types: node.config.column_types.clone().into_iter().collect(),
                inferred: None,
            },
        },
        (NodeKind::Snapshot, _) => Work::Snapshot {
            sql: node.sql.clone().unwrap_or_default(),
            snapshot: node
                .snapshot
                .as_deref()
                .cloned()
                .expect("a snapshot node has its spec"),
        },
        (_, Some(test)) => Work::Test {
            sql: node.sql.clone().unwrap_or_default(),
            config: test.config.clone(),
            store_failures: (store_failures || test.config.store_failures == Some(true))
                .then(|| node.relation.clone()),
        },
        _ => Work::Model {
            sql: node.sql.clone().unwrap_or_default(),
            materialization: node.materialization.unwrap_or(Materialization::View),
            incremental: node.incremental.clone(),
            contract: node.contract.clone(),
            external: node.external.as_deref().cloned(),
            storage: node.storage.clone(),
        },
    };
    PlannedNode {
        name: node.name.clone(),
        path: node.path.clone(),
        compiled_path: node.compiled_path.clone(),
        relation: node.relation.clone(),
        work,
        parents: parents
            .iter()
            .filter_map(|p| position.get(p).copied())
            .collect(),
        description: node.description.clone(),
        hooks: node.hooks.clone(),
        inlined: crate::ephemeral::inlined(&compiled.dag, &compiled.nodes, id)
            .into_iter()
            .map(|e| {
                let ephemeral = compiled.node(e);
                Inlined {
                    name: ephemeral.name.clone(),
                    path: ephemeral.path.clone(),
                    sql: ephemeral.sql.clone().unwrap_or_default(),
                }
            })
            .collect(),
    }
}
