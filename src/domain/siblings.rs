//! Sibling groups: connected components of keep-together links.

use super::{ChildIx, DataSet};
use petgraph::unionfind::UnionFind;

/// Children who must be placed together (one placement unit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiblingGroup {
    /// Members, sorted by child id.
    pub members: Vec<ChildIx>,
}

/// Sibling groups of `data`: connected components (union–find from petgraph)
/// of the keep-together links, with at least two members, each sorted by child
/// id and the groups sorted by their first member's id. Children not in any
/// group are lone children.
pub fn sibling_groups(data: &DataSet) -> Vec<SiblingGroup> {
    let n = data.children.len();
    let mut uf = UnionFind::<usize>::new(n);
    for link in data.sibling_links.iter().filter(|l| l.keep_together) {
        uf.union(link.a.get(), link.b.get());
    }
    let labels = uf.into_labeling();
    let mut by_root: std::collections::BTreeMap<usize, Vec<ChildIx>> = Default::default();
    for link in data.sibling_links.iter().filter(|l| l.keep_together) {
        for c in [link.a, link.b] {
            by_root.entry(labels[c.get()]).or_default().push(c);
        }
    }
    let mut groups: Vec<SiblingGroup> = by_root
        .into_values()
        .map(|mut members| {
            members.sort_by(|x, y| data.child(*x).id.cmp(&data.child(*y).id));
            members.dedup();
            SiblingGroup { members }
        })
        .collect();
    groups.sort_by(|x, y| {
        data.child(x.members[0])
            .id
            .cmp(&data.child(y.members[0]).id)
    });
    groups
}
