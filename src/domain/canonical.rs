//! The canonical order of a data set: every record list sorted by id, every
//! list inside a record in a fixed order, every index remapped to match.
//!
//! The loader and the generator put each data set they build into this order
//! once, so that everything downstream (scoring, units, components, solver,
//! simulator, reports, writers) sees the same data set, and breaks its ties
//! the same way, whatever the order of rows and columns in the input.

use super::{CarerIx, ChildIx, DataSet, InstitutionIx, Language, PlaceIx, Road, SiblingLink};

/// `order[new] = old`, sorting `items` by `key` (stable, so records with equal
/// keys keep their relative order), and the inverse `remap[old] = new`.
fn permutation<T, K: Ord>(items: &[T], key: impl Fn(&T) -> K) -> (Vec<usize>, Vec<u32>) {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| key(&items[i]));
    let mut remap = vec![0u32; items.len()];
    for (new, &old) in order.iter().enumerate() {
        remap[old] = new as u32;
    }
    (order, remap)
}

/// `items` taken in `order` (`order[new] = old`).
fn reorder<T>(items: Vec<T>, order: &[usize]) -> Vec<T> {
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    order.iter().filter_map(|&old| slots[old].take()).collect()
}

impl DataSet {
    /// This data set in canonical order:
    /// - places, institutions, children and carers sorted by id;
    /// - the language table sorted by code, holding only codes in use;
    /// - sibling links with `a` the child of the smaller id, sorted by
    ///   (`a`, `b`) ids; roads with `from` the place of the smaller id,
    ///   sorted by (`from`, `to`) ids, then minutes;
    /// - inside records: needs by code; a child's languages main language
    ///   first, the others by code; a carer's languages by code; kin carers
    ///   by id; a household's current children by age, then needs;
    /// - every index remapped to the new positions.
    ///
    /// Two data sets that hold the same records, listed in any order, have
    /// equal canonical forms. Sorting is stable, so records sharing an id (a
    /// data set the loader would reject) keep their relative order.
    ///
    /// # Panics
    /// If an index inside the data set points outside its vectors (the
    /// loader and the generator never build such a data set).
    #[must_use]
    pub fn canonicalize(self) -> DataSet {
        let DataSet {
            places,
            institutions,
            children,
            carers,
            sibling_links,
            roads,
            languages,
        } = self;

        let (place_order, place_new) = permutation(&places, |p| p.id.clone());
        let (inst_order, inst_new) = permutation(&institutions, |i| i.id.clone());
        let (child_order, child_new) = permutation(&children, |c| c.id.clone());
        let (carer_order, carer_new) = permutation(&carers, |c| c.id.clone());
        let place = |p: PlaceIx| PlaceIx(place_new[p.get()]);
        let child = |c: ChildIx| ChildIx(child_new[c.get()]);
        let carer = |c: CarerIx| CarerIx(carer_new[c.get()]);

        // Languages: codes in use, sorted; old index → new index.
        let mut used = vec![false; languages.len()];
        for l in children
            .iter()
            .flat_map(|c| &c.languages)
            .chain(carers.iter().flat_map(|c| &c.languages))
        {
            used[usize::from(l.0)] = true;
        }
        let mut codes: Vec<(&String, usize)> = languages
            .iter()
            .enumerate()
            .filter(|(i, _)| used[*i])
            .map(|(i, code)| (code, i))
            .collect();
        codes.sort();
        let mut lang_new = vec![u8::MAX; languages.len()];
        for (new, (_, old)) in codes.iter().enumerate() {
            lang_new[*old] = new as u8;
        }
        let new_languages: Vec<String> = codes.iter().map(|(c, _)| (*c).clone()).collect();
        let lang = |l: Language| Language(lang_new[usize::from(l.0)]);

        let places = reorder(places, &place_order);
        let institutions = reorder(institutions, &inst_order)
            .into_iter()
            .map(|mut i| {
                i.place = place(i.place);
                i
            })
            .collect();
        let carers = reorder(carers, &carer_order)
            .into_iter()
            .map(|mut c| {
                c.place = place(c.place);
                c.languages = c.languages.into_iter().map(lang).collect();
                c.languages.sort();
                for cc in &mut c.current_children {
                    cc.needs.sort();
                }
                c.current_children.sort();
                c
            })
            .collect();
        let children = reorder(children, &child_order)
            .into_iter()
            .map(|mut c| {
                c.institution = c.institution.map(|i| InstitutionIx(inst_new[i.get()]));
                c.location = place(c.location);
                c.birth_family_place = place(c.birth_family_place);
                c.school_place = c.school_place.map(place);
                c.needs.sort();
                c.languages = c.languages.into_iter().map(lang).collect();
                if let Some((_, others)) = c.languages.split_first_mut() {
                    others.sort();
                }
                c.kin_carers = c.kin_carers.into_iter().map(carer).collect();
                c.kin_carers.sort();
                c
            })
            .collect();
        let mut sibling_links: Vec<SiblingLink> = sibling_links
            .into_iter()
            .map(|l| {
                let (a, b) = (child(l.a), child(l.b));
                SiblingLink {
                    a: a.min(b),
                    b: a.max(b),
                    ..l
                }
            })
            .collect();
        sibling_links.sort_by_key(|l| (l.a, l.b));
        let roads = roads.map(|roads| {
            let mut roads: Vec<Road> = roads
                .into_iter()
                .map(|r| {
                    let (from, to) = (place(r.from), place(r.to));
                    Road {
                        from: from.min(to),
                        to: from.max(to),
                        minutes: r.minutes,
                    }
                })
                .collect();
            roads.sort_by(|x, y| {
                (x.from, x.to)
                    .cmp(&(y.from, y.to))
                    .then_with(|| x.minutes.total_cmp(&y.minutes))
            });
            roads
        });
        DataSet {
            places,
            institutions,
            children,
            carers,
            sibling_links,
            roads,
            languages: new_languages,
        }
    }

    /// Whether the data set is in canonical order ([`DataSet::canonicalize`]
    /// would return it unchanged).
    pub fn is_canonical(&self) -> bool {
        self.clone().canonicalize() == *self
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::*;
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn place(id: &str) -> Place {
        Place {
            id: PlaceId(id.into()),
            name: id.into(),
            country: "RS".into(),
            region: "R".into(),
            lat: 44.0,
            lon: 20.0,
            population: 0,
        }
    }

    fn child(id: &str, inst: Option<u32>, loc: u32, langs: &[u8], kin: &[u32]) -> Child {
        Child {
            id: ChildId(id.into()),
            birth_date: d("2015-01-01"),
            sex: Sex::F,
            institution: inst.map(InstitutionIx),
            location: PlaceIx(loc),
            birth_family_place: PlaceIx(0),
            school_place: Some(PlaceIx(1)),
            needs: vec![
                Need {
                    code: NeedCode::Medical,
                    severity: 1,
                },
                Need {
                    code: NeedCode::Mobility,
                    severity: 2,
                },
            ],
            languages: langs.iter().map(|l| Language(*l)).collect(),
            placement_type: PlacementType::LongTerm,
            entered_care: d("2020-01-01"),
            kin_carers: kin.iter().map(|k| CarerIx(*k)).collect(),
            heritage: None,
        }
    }

    fn carer(id: &str, place: u32, langs: &[u8], ages: &[u8]) -> Carer {
        Carer {
            id: CarerId(id.into()),
            place: PlaceIx(place),
            kind: CarerKind::Foster,
            approved_places: 4,
            current_children: ages
                .iter()
                .map(|a| CurrentChild {
                    age: *a,
                    needs: Vec::new(),
                })
                .collect(),
            min_age: 0,
            max_age: 17,
            placement_types: PlacementTypes(7),
            supported_needs: [0; NeedCode::COUNT],
            accessible_home: false,
            languages: langs.iter().map(|l| Language(*l)).collect(),
            pref_sex: None,
            pref_min_age: None,
            pref_max_age: None,
            accepts_sibling_groups: true,
            status: CarerStatus::Available,
            heritage: None,
        }
    }

    /// Places P3, P1, P2; institution I1 at P2; languages sr, rom, hu (hu
    /// unused); children K3, K1, K2; carers H2, H1; links K2–K3 (as K3, K2)
    /// and K1–K2; roads P3–P1 and P2–P1.
    fn scrambled() -> DataSet {
        DataSet {
            places: vec![place("P3"), place("P1"), place("P2")],
            institutions: vec![Institution {
                id: InstitutionId("I1".into()),
                name: "Home".into(),
                place: PlaceIx(2),
                kind: InstitutionKind::SmallGroupHome,
                capacity: 8,
                planned_closure: None,
            }],
            children: vec![
                child("K3", Some(0), 2, &[1, 0], &[0, 1]),
                child("K1", None, 0, &[0, 1], &[]),
                child("K2", None, 1, &[0], &[1]),
            ],
            carers: vec![carer("H2", 0, &[1, 0], &[9, 3]), carer("H1", 1, &[0], &[])],
            sibling_links: vec![
                SiblingLink {
                    a: ChildIx(0),
                    b: ChildIx(2),
                    keep_together: true,
                    reason: None,
                },
                SiblingLink {
                    a: ChildIx(1),
                    b: ChildIx(2),
                    keep_together: false,
                    reason: Some("court".into()),
                },
            ],
            roads: Some(vec![
                Road {
                    from: PlaceIx(0),
                    to: PlaceIx(1),
                    minutes: 30.0,
                },
                Road {
                    from: PlaceIx(2),
                    to: PlaceIx(1),
                    minutes: 10.0,
                },
            ]),
            languages: vec!["sr".into(), "rom".into(), "hu".into()],
        }
    }

    /// `data` with every list reversed and every index remapped: the same
    /// records in another order.
    fn reversed(data: &DataSet) -> DataSet {
        let rev = |i: u32, n: usize| n as u32 - 1 - i;
        let (np, nc, nh, nl) = (
            data.places.len(),
            data.children.len(),
            data.carers.len(),
            data.languages.len(),
        );
        let lang = |l: &Language| Language(rev(u32::from(l.0), nl) as u8);
        let mut out = data.clone();
        out.places.reverse();
        out.languages.reverse();
        for i in &mut out.institutions {
            i.place = PlaceIx(rev(i.place.0, np));
        }
        for c in &mut out.children {
            c.location = PlaceIx(rev(c.location.0, np));
            c.birth_family_place = PlaceIx(rev(c.birth_family_place.0, np));
            c.school_place = c.school_place.map(|p| PlaceIx(rev(p.0, np)));
            c.needs.reverse();
            // The main language stays first; the others reverse.
            c.languages = c.languages.iter().map(lang).collect();
            if let Some((_, others)) = c.languages.split_first_mut() {
                others.reverse();
            }
            c.kin_carers = c
                .kin_carers
                .iter()
                .rev()
                .map(|k| CarerIx(rev(k.0, nh)))
                .collect();
        }
        out.children.reverse();
        for c in &mut out.carers {
            c.place = PlaceIx(rev(c.place.0, np));
            c.languages = c.languages.iter().rev().map(lang).collect();
            c.current_children.reverse();
        }
        out.carers.reverse();
        for l in &mut out.sibling_links {
            (l.a, l.b) = (ChildIx(rev(l.b.0, nc)), ChildIx(rev(l.a.0, nc)));
        }
        out.sibling_links.reverse();
        if let Some(roads) = &mut out.roads {
            for r in roads.iter_mut() {
                (r.from, r.to) = (PlaceIx(rev(r.to.0, np)), PlaceIx(rev(r.from.0, np)));
            }
            roads.reverse();
        }
        out
    }

    #[test]
    fn canonical_form_sorts_by_id_and_keeps_every_reference() {
        let c = scrambled().canonicalize();
        let ids = |v: Vec<&str>| v.join(",");
        assert_eq!(
            ids(c.places.iter().map(|p| p.id.as_str()).collect()),
            "P1,P2,P3"
        );
        assert_eq!(
            ids(c.children.iter().map(|x| x.id.as_str()).collect()),
            "K1,K2,K3"
        );
        assert_eq!(
            ids(c.carers.iter().map(|x| x.id.as_str()).collect()),
            "H1,H2"
        );
        assert_eq!(c.languages, ["rom", "sr"], "sorted, unused hu dropped");
        assert_eq!(c.place(c.institutions[0].place).id.as_str(), "P2");
        let k3 = c.child(c.child_ix("K3").unwrap());
        assert_eq!(k3.institution, Some(InstitutionIx(0)));
        assert_eq!(c.place(k3.location).id.as_str(), "P2");
        assert_eq!(c.place(k3.birth_family_place).id.as_str(), "P3");
        assert_eq!(c.place(k3.school_place.unwrap()).id.as_str(), "P1");
        let langs = |l: &[Language]| l.iter().map(|l| c.language(*l)).collect::<Vec<_>>();
        assert_eq!(langs(&k3.languages), ["rom", "sr"], "main language first");
        let k1 = c.child(c.child_ix("K1").unwrap());
        assert_eq!(
            langs(&k1.languages),
            ["sr", "rom"],
            "main language stays first"
        );
        let kin: Vec<&str> = k3
            .kin_carers
            .iter()
            .map(|k| c.carer(*k).id.as_str())
            .collect();
        assert_eq!(kin, ["H1", "H2"]);
        assert_eq!(k3.needs[0].code, NeedCode::Mobility);
        let h2 = c.carer(c.carer_ix("H2").unwrap());
        assert_eq!(langs(&h2.languages), ["rom", "sr"]);
        assert_eq!(h2.current_children[0].age, 3);
        assert_eq!(c.place(h2.place).id.as_str(), "P3");
        let links: Vec<String> = c
            .sibling_links
            .iter()
            .map(|l| format!("{}-{}", c.child(l.a).id, c.child(l.b).id))
            .collect();
        assert_eq!(links, ["K1-K2", "K2-K3"]);
        let roads: Vec<String> = c
            .roads
            .iter()
            .flatten()
            .map(|r| format!("{}-{} {}", c.place(r.from).id, c.place(r.to).id, r.minutes))
            .collect();
        assert_eq!(roads, ["P1-P2 10", "P1-P3 30"]);
        assert!(c.is_canonical());
        assert!(!scrambled().is_canonical());
    }

    #[test]
    fn the_same_records_in_any_order_have_one_canonical_form() {
        let a = scrambled();
        let b = reversed(&a);
        assert_ne!(a, b);
        assert_eq!(a.clone().canonicalize(), b.canonicalize());
        let c = a.canonicalize();
        assert_eq!(c.clone().canonicalize(), c, "idempotent");
        assert_eq!(reversed(&c).canonicalize(), c);
    }
}
