//! Geography: the road graph between places and travel minutes over it.
//!
//! With a roads file, the graph is the roads. Without one, Homeward builds an
//! estimated graph: every place is linked to its `k` nearest neighbours and
//! along a minimum spanning tree (so the graph is always connected), each link
//! taking `great-circle km × detour factor ÷ speed` hours. Outputs say which
//! was used ([`RoadSource`]). Travel minutes are shortest paths (petgraph
//! Dijkstra), computed only from the places that are asked for, once.

use crate::domain::{DataSet, Place, PlaceIx};
use geo::{Distance, Haversine, Point};
use petgraph::graph::{NodeIndex, UnGraph};
use rayon::prelude::*;
use std::collections::BTreeSet;

/// Parameters of the estimated road graph (from the scoring model).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoParams {
    /// Neighbours linked per place.
    pub knn: usize,
    /// Road distance ÷ great-circle distance.
    pub detour_factor: f64,
    /// Average road speed in km/h.
    pub speed_kmh: f64,
}

/// Where the road graph came from.
#[derive(Debug, Clone, PartialEq)]
pub enum RoadSource {
    /// The data set's roads file.
    RoadsFile {
        /// Number of road links.
        links: usize,
    },
    /// Estimated from k nearest neighbours and a spanning tree.
    Estimated(GeoParams),
}

impl RoadSource {
    /// One line for outputs.
    pub fn describe(&self) -> String {
        match self {
            Self::RoadsFile { links } => {
                format!("travel times from the data set's roads file ({links} links)")
            }
            Self::Estimated(p) => format!(
                "no roads file: travel times estimated on a {}-nearest-neighbour graph (great-circle km × {} ÷ {} km/h)",
                p.knn, p.detour_factor, p.speed_kmh
            ),
        }
    }
}

/// Great-circle distance in km between two places.
pub fn great_circle_km(a: &Place, b: &Place) -> f64 {
    Haversine.distance(Point::new(a.lon, a.lat), Point::new(b.lon, b.lat)) / 1000.0
}

/// The road graph of a data set.
#[derive(Debug, Clone)]
pub struct RoadGraph {
    graph: UnGraph<(), f64>,
    /// How it was built.
    pub source: RoadSource,
}

impl RoadGraph {
    /// Builds the graph from `data.roads`, or estimates it with `params`.
    pub fn build(data: &DataSet, params: GeoParams) -> Self {
        let n = data.places.len();
        let mut graph = UnGraph::<(), f64>::with_capacity(n, n * params.knn);
        for _ in 0..n {
            graph.add_node(());
        }
        let source = match &data.roads {
            Some(roads) => {
                for r in roads {
                    graph.add_edge(
                        NodeIndex::new(r.from.get()),
                        NodeIndex::new(r.to.get()),
                        r.minutes,
                    );
                }
                RoadSource::RoadsFile { links: roads.len() }
            }
            None => {
                for (a, b) in estimated_links(&data.places, params.knn) {
                    let km = great_circle_km(&data.places[a], &data.places[b]);
                    let minutes = km * params.detour_factor / params.speed_kmh * 60.0;
                    graph.add_edge(NodeIndex::new(a), NodeIndex::new(b), minutes);
                }
                RoadSource::Estimated(params)
            }
        };
        RoadGraph { graph, source }
    }

    /// Shortest travel minutes from `from` to every place (∞ = no route).
    pub fn minutes_from(&self, from: PlaceIx) -> Vec<f32> {
        let scores = petgraph::algo::dijkstra(&self.graph, NodeIndex::new(from.get()), None, |e| {
            *e.weight()
        });
        let mut row = vec![f32::INFINITY; self.graph.node_count()];
        for (node, m) in scores {
            row[node.index()] = m as f32;
        }
        row
    }
}

/// Undirected links of the estimated graph: each place to its `k` nearest
/// (ties by index), plus a minimum spanning tree (Prim) so every place is
/// reachable. Sorted, without duplicates.
fn estimated_links(places: &[Place], k: usize) -> Vec<(usize, usize)> {
    let n = places.len();
    let mut links = BTreeSet::new();
    // k nearest neighbours (n is a country's places: hundreds to thousands).
    let knn: Vec<Vec<usize>> = (0..n)
        .into_par_iter()
        .map(|i| {
            let mut d: Vec<(f64, usize)> = (0..n)
                .filter(|&j| j != i)
                .map(|j| (great_circle_km(&places[i], &places[j]), j))
                .collect();
            let k = k.min(d.len());
            if k > 0 && k < d.len() {
                d.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            }
            d.truncate(k);
            d.into_iter().map(|(_, j)| j).collect()
        })
        .collect();
    for (i, nb) in knn.iter().enumerate() {
        for &j in nb {
            links.insert((i.min(j), i.max(j)));
        }
    }
    // Prim's minimum spanning tree, O(n²).
    if n > 1 {
        let mut in_tree = vec![false; n];
        let mut best = vec![(f64::INFINITY, usize::MAX); n];
        in_tree[0] = true;
        for j in 1..n {
            best[j] = (great_circle_km(&places[0], &places[j]), 0);
        }
        for _ in 1..n {
            let Some(v) = (0..n)
                .filter(|&j| !in_tree[j])
                .min_by(|&a, &b| best[a].0.total_cmp(&best[b].0).then(a.cmp(&b)))
            else {
                break;
            };
            in_tree[v] = true;
            let u = best[v].1;
            links.insert((u.min(v), u.max(v)));
            for j in 0..n {
                if !in_tree[j] {
                    let d = great_circle_km(&places[v], &places[j]);
                    if d < best[j].0 {
                        best[j] = (d, v);
                    }
                }
            }
        }
    }
    links.into_iter().collect()
}

/// Travel minutes from a set of source places to every place, computed once.
#[derive(Debug, Clone, Default)]
pub struct TravelTimes {
    rows: Vec<Option<Box<[f32]>>>,
}

impl TravelTimes {
    /// Computes rows for each distinct place in `sources` (in parallel).
    pub fn compute(
        graph: &RoadGraph,
        place_count: usize,
        sources: impl IntoIterator<Item = PlaceIx>,
    ) -> Self {
        let distinct: BTreeSet<PlaceIx> = sources.into_iter().collect();
        let computed: Vec<(PlaceIx, Vec<f32>)> = distinct
            .into_iter()
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|p| (p, graph.minutes_from(p)))
            .collect();
        let mut rows = vec![None; place_count];
        for (p, row) in computed {
            rows[p.get()] = Some(row.into_boxed_slice());
        }
        TravelTimes { rows }
    }

    /// Minutes from every place to… `from` (a computed source), by place index.
    /// `None` when `from` was not among the sources.
    pub fn row(&self, from: PlaceIx) -> Option<&[f32]> {
        self.rows.get(from.get()).and_then(|r| r.as_deref())
    }

    /// Minutes between a computed source and a place (∞ = no route).
    pub fn minutes(&self, from: PlaceIx, to: PlaceIx) -> Option<f32> {
        self.row(from).map(|r| r[to.get()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PlaceId, Road};

    fn place(id: &str, lat: f64, lon: f64) -> Place {
        Place {
            id: PlaceId(id.into()),
            name: id.into(),
            country: "RS".into(),
            region: "R".into(),
            lat,
            lon,
            population: 0,
        }
    }

    #[test]
    fn great_circle_belgrade_to_novi_sad_is_about_70_km() {
        let b = place("b", 44.80401, 20.46513);
        let n = place("n", 45.25167, 19.83694);
        let km = great_circle_km(&b, &n);
        assert!((km - 70.0).abs() < 3.0, "{km}");
    }

    #[test]
    fn roads_file_gives_shortest_paths_and_no_route_is_infinite() {
        let data = DataSet {
            places: vec![
                place("a", 44.0, 20.0),
                place("b", 44.1, 20.0),
                place("c", 44.2, 20.0),
                place("d", 45.0, 21.0),
            ],
            roads: Some(vec![
                Road {
                    from: PlaceIx(0),
                    to: PlaceIx(1),
                    minutes: 10.0,
                },
                Road {
                    from: PlaceIx(1),
                    to: PlaceIx(2),
                    minutes: 15.0,
                },
                Road {
                    from: PlaceIx(0),
                    to: PlaceIx(2),
                    minutes: 40.0,
                },
            ]),
            ..Default::default()
        };
        let g = RoadGraph::build(
            &data,
            GeoParams {
                knn: 3,
                detour_factor: 1.3,
                speed_kmh: 60.0,
            },
        );
        let t = TravelTimes::compute(&g, 4, [PlaceIx(0)]);
        assert_eq!(t.minutes(PlaceIx(0), PlaceIx(2)), Some(25.0));
        assert_eq!(t.minutes(PlaceIx(0), PlaceIx(3)), Some(f32::INFINITY));
        assert_eq!(t.minutes(PlaceIx(1), PlaceIx(0)), None);
        assert!(matches!(g.source, RoadSource::RoadsFile { links: 3 }));
    }

    #[test]
    fn estimated_graph_is_connected_even_with_far_clusters() {
        let mut places = Vec::new();
        for i in 0..5 {
            places.push(place(&format!("a{i}"), 44.0 + 0.01 * i as f64, 20.0));
            places.push(place(&format!("b{i}"), 46.0 + 0.01 * i as f64, 22.0));
        }
        let data = DataSet {
            places,
            ..Default::default()
        };
        let g = RoadGraph::build(
            &data,
            GeoParams {
                knn: 2,
                detour_factor: 1.3,
                speed_kmh: 60.0,
            },
        );
        let t = TravelTimes::compute(&g, 10, [PlaceIx(0)]);
        let row = t.row(PlaceIx(0)).unwrap();
        assert!(row.iter().all(|m| m.is_finite()));
        // Direct neighbour: km × 1.3 / 60 km/h.
        let km = great_circle_km(&data.places[0], &data.places[2]);
        assert!(
            (row[2] as f64 - km * 1.3).abs() < 0.01,
            "{} vs {}",
            row[2],
            km * 1.3
        );
    }
}
