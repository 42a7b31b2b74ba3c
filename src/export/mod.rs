//! Report writers: rows of typed cells, written as CSV (RFC 4180, a header row, spreadsheet-safe
//! text) or as a JSON array, to any `Write`, a page at a time so memory stays flat.

pub mod reports;

use std::io::Write;

use serde_json::Value;

/// One cell. Text that a spreadsheet would run as a formula is defused in CSV; numbers are not
/// touched, so `-45.00` stays a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// A decimal at a fixed scale, as a plain string.
    Decimal(String),
    Empty,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    pub fn opt_text(s: Option<impl Into<String>>) -> Cell {
        s.map_or(Cell::Empty, |s| Cell::Text(s.into()))
    }

    fn csv(&self) -> String {
        match self {
            Cell::Text(s) => defuse(s),
            Cell::Int(n) => n.to_string(),
            Cell::Decimal(d) => d.clone(),
            Cell::Empty => String::new(),
        }
    }

    fn json(&self) -> Value {
        match self {
            Cell::Text(s) | Cell::Decimal(s) => Value::String(s.clone()),
            Cell::Int(n) => Value::from(*n),
            Cell::Empty => Value::Null,
        }
    }
}

/// A leading `=`, `+`, `-`, `@`, tab or carriage return makes a spreadsheet evaluate the cell;
/// a leading apostrophe keeps it text (OWASP's advice for CSV injection).
fn defuse(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

/// Writes a header and then pages of rows until `next_page` returns none.
pub fn write<W: Write, E: From<std::io::Error> + From<csv::Error>>(
    out: W,
    format: Format,
    header: &[&str],
    mut next_page: impl FnMut() -> Result<Option<Vec<Vec<Cell>>>, E>,
) -> Result<(), E> {
    match format {
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(out);
            csv.write_record(header)?;
            while let Some(rows) = next_page()? {
                for row in rows {
                    csv.write_record(row.iter().map(Cell::csv))?;
                }
            }
            csv.flush()?;
        }
        Format::Json => {
            let mut out = out;
            out.write_all(b"[")?;
            let mut first = true;
            while let Some(rows) = next_page()? {
                for row in rows {
                    out.write_all(if first { b"{" } else { b",{" })?;
                    first = false;
                    // Columns in header order, as in the CSV.
                    for (i, (key, cell)) in header.iter().zip(&row).enumerate() {
                        if i > 0 {
                            out.write_all(b",")?;
                        }
                        serde_json::to_writer(&mut out, key).map_err(std::io::Error::from)?;
                        out.write_all(b":")?;
                        serde_json::to_writer(&mut out, &cell.json())
                            .map_err(std::io::Error::from)?;
                    }
                    out.write_all(b"}")?;
                }
            }
            out.write_all(b"]\n")?;
            out.flush()?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Failed;
    impl From<std::io::Error> for Failed {
        fn from(_: std::io::Error) -> Failed {
            Failed
        }
    }
    impl From<csv::Error> for Failed {
        fn from(_: csv::Error) -> Failed {
            Failed
        }
    }

    fn render(format: Format, rows: Vec<Vec<Cell>>) -> String {
        let mut out = Vec::new();
        let mut pages = vec![rows];
        write::<_, Failed>(&mut out, format, &["name", "amount", "n"], || {
            Ok(pages.pop())
        })
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn formulas_stay_text_and_numbers_stay_numbers() {
        let rows = vec![
            vec![
                Cell::text("=HYPERLINK(\"http://x\",\"y\")"),
                Cell::Decimal("-45.00".into()),
                Cell::Int(-3),
            ],
            vec![
                Cell::text("@SUM(A1)"),
                Cell::Decimal("30.00".into()),
                Cell::Empty,
            ],
            vec![Cell::text("+1"), Cell::Decimal("0.00".into()), Cell::Int(0)],
            vec![
                Cell::text("\tx"),
                Cell::Decimal("1.00".into()),
                Cell::Int(1),
            ],
            vec![
                Cell::text("Acme, Inc."),
                Cell::Decimal("1.00".into()),
                Cell::Int(1),
            ],
        ];
        assert_eq!(
            render(Format::Csv, rows),
            "name,amount,n\n\
             \"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",-45.00,-3\n\
             '@SUM(A1),30.00,\n\
             '+1,0.00,0\n\
             '\tx,1.00,1\n\
             \"Acme, Inc.\",1.00,1\n"
        );
    }

    #[test]
    fn json_is_an_array_of_objects() {
        let rows = vec![vec![
            Cell::text("=x"),
            Cell::Decimal("-1.50".into()),
            Cell::Empty,
        ]];
        assert_eq!(
            render(Format::Json, rows),
            "[{\"name\":\"=x\",\"amount\":\"-1.50\",\"n\":null}]\n"
        );
        assert_eq!(render(Format::Json, vec![]), "[]\n");
        assert_eq!(render(Format::Csv, vec![]), "name,amount,n\n");
    }
}
