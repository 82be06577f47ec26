//! Plain text tables for `jgt show` and the run summary.

/// Lays out `rows` under `headers` with columns padded to their widest
/// cell; numbers are right-aligned. `None` cells print as `null`.
pub fn render(headers: &[String], rows: &[Vec<Option<String>>]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|c| c.clone().unwrap_or_else(|| "null".into()))
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &cells {
        for (i, cell) in row.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
    }
    let numeric: Vec<bool> = (0..headers.len())
        .map(|i| {
            !cells.is_empty()
                && cells.iter().all(|row| {
                    row.get(i)
                        .is_some_and(|c| c.parse::<f64>().is_ok() || c == "null")
                })
        })
        .collect();
    let line = |parts: Vec<String>| format!("| {} |", parts.join(" | "));
    let pad = |text: &str, i: usize| {
        let fill = widths[i].saturating_sub(text.chars().count());
        if numeric[i] {
            format!("{}{text}", " ".repeat(fill))
        } else {
            format!("{text}{}", " ".repeat(fill))
        }
    };
    let rule = format!(
        "|{}|",
        widths
            .iter()
            .map(|w| "-".repeat(w + 2))
            .collect::<Vec<_>>()
            .join("|")
    );
    let mut out = vec![
        line(headers.iter().enumerate().map(|(i, h)| pad(h, i)).collect()),
        rule,
    ];
    for row in &cells {
        out.push(line(
            row.iter().enumerate().map(|(i, c)| pad(c, i)).collect(),
        ));
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn pads_columns_and_right_aligns_numbers() {
        let table = super::render(
            &["name".into(), "n".into()],
            &[
                vec![Some("alpha".into()), Some("1".into())],
                vec![Some("b".into()), None],
            ],
        );
        assert_eq!(
            table,
            "| name  |    n |\n|-------|------|\n| alpha |    1 |\n| b     | null |"
        );
    }
}
