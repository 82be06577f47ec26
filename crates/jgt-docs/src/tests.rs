//! Unit tests of the private helpers.

use crate::layout::{crossings, label, spread};
use crate::site::{SITE_CSS, SITE_JS};
use crate::svg::escape;

#[test]
fn spread_keeps_order_and_spacing_and_stays_close() {
    let ten = [0.0, 10.0, 10.0];
    assert_eq!(spread(&[], &[]), Vec::<f64>::new());
    assert_eq!(spread(&[0.0, 50.0, 100.0], &ten), vec![0.0, 50.0, 100.0]);
    // Three nodes wanting the same place share it symmetrically.
    assert_eq!(spread(&[30.0, 30.0, 30.0], &ten), vec![20.0, 30.0, 40.0]);
    // Out-of-order wishes are pooled.
    assert_eq!(spread(&[100.0, 0.0], &ten[..2]), vec![45.0, 55.0]);
    // Separations may differ from item to item.
    assert_eq!(
        spread(&[0.0, 0.0, 0.0], &[0.0, 3.0, 6.0]),
        vec![-4.0, -1.0, 5.0]
    );
}

#[test]
fn crossings_are_counted_between_adjacent_layers() {
    // Layer 0: a, b; layer 1: c, d. a -> d and b -> c cross once.
    let layers = vec![vec![0, 1], vec![2, 3]];
    let layer_of = [0, 0, 1, 1];
    let crossed = vec![vec![3], vec![2], vec![], vec![]];
    let rank = [0, 1, 0, 1];
    assert_eq!(crossings(&layers, &layer_of, &crossed, &rank), 1);
    let straight = vec![vec![2], vec![3], vec![], vec![]];
    assert_eq!(crossings(&layers, &layer_of, &straight, &rank), 0);
    // Edges sharing an end do not cross.
    let shared = vec![vec![2, 3], vec![3], vec![], vec![]];
    assert_eq!(crossings(&layers, &layer_of, &shared, &rank), 0);
}

#[test]
fn labels_fit_the_widest_box() {
    assert_eq!(label("orders"), "orders");
    let long = "é".repeat(200);
    let short = label(&long);
    assert!(short.ends_with('…'));
    assert!(short.chars().count() < 60);
}

#[test]
fn escape_covers_markup_and_quotes() {
    assert_eq!(
        escape("<a href=\"x\">'&'</a>"),
        "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
    );
}

#[test]
fn assets_cannot_end_their_own_elements() {
    assert!(!SITE_JS.to_lowercase().contains("</script"));
    assert!(!SITE_CSS.to_lowercase().contains("</style"));
    assert!(!SITE_JS.contains("innerHTML"));
}
