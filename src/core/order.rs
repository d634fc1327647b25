//! Sorting through one compiled sort.
//!
//! `slice::sort*` and `BTreeMap`'s `collect` are compiled once per element
//! type: in the worker's module those copies came to ~30 KB of code for ten
//! types. [`sort_by`] sorts the positions of a list instead, with the
//! comparator behind `&mut dyn FnMut`, so one sort is compiled for every
//! caller, and each caller keeps only the small loop that moves its elements
//! into the order found (docs/performance.md). The lists sorted through it
//! are short — a user's memberships, the facts a request needs, a page of
//! IDs — so the indirect comparisons cost nothing a load run can see.
//! Callers that build a `BTreeMap` from a list use `extend`, which inserts
//! one by one, instead of `collect`, which sorts. The decision core
//! (`core::decide`) keeps std's unstable sort: its two sorts are on the
//! proxy's path and the browser module's only ones, where this would add
//! more than it saves.

use core::cmp::Ordering;

/// Sorts `v` by `cmp`, a total order, stably: equal elements keep their
/// order.
pub fn sort_by<T>(v: &mut Vec<T>, mut cmp: impl FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let mut order: Vec<usize> = (0..v.len()).collect();
    {
        let items: &[T] = v;
        // Ties broken by position: stable. `cmp` must be a total order, as
        // for `slice::sort_by` (every caller's is a derived `Ord`).
        let mut by_position = |a: &usize, b: &usize| match (items.get(*a), items.get(*b)) {
            (Some(x), Some(y)) => cmp(x, y).then(a.cmp(b)),
            _ => a.cmp(b),
        };
        sort_positions(&mut order, &mut by_position);
    }
    let mut slots: Vec<Option<T>> = v.drain(..).map(Some).collect();
    v.extend(
        order
            .into_iter()
            .filter_map(|i| slots.get_mut(i).and_then(Option::take)),
    );
}

/// Sorts `v` in its natural order, stably.
pub fn sort<T: Ord>(v: &mut Vec<T>) {
    sort_by(v, T::cmp);
}

/// The one sort every [`sort_by`] runs: positions, compared through a
/// trait object, so it is compiled once.
#[inline(never)]
fn sort_positions(order: &mut [usize], cmp: &mut dyn FnMut(&usize, &usize) -> Ordering) {
    order.sort_unstable_by(|a, b| cmp(a, b));
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn short_lists() {
        let mut empty: Vec<u8> = vec![];
        sort(&mut empty);
        assert!(empty.is_empty());
        let mut one = vec![7];
        sort(&mut one);
        assert_eq!(one, [7]);
    }

    #[test]
    fn equal_elements_keep_their_order() {
        let mut v = vec![(2, 'a'), (1, 'b'), (2, 'c'), (1, 'd'), (0, 'e')];
        sort_by(&mut v, |x, y| x.0.cmp(&y.0));
        assert_eq!(v, [(0, 'e'), (1, 'b'), (1, 'd'), (2, 'a'), (2, 'c')]);
    }

    proptest! {
        #[test]
        fn same_as_the_standard_stable_sort(v in proptest::collection::vec((0u8..8, any::<u16>()), 0..200)) {
            let mut want = v.clone();
            want.sort_by_key(|a| a.0);
            let mut got = v;
            sort_by(&mut got, |a, b| a.0.cmp(&b.0));
            prop_assert_eq!(got, want);
        }
    }
}
