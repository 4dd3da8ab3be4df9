//! Text laid out in columns: each cell word-wrapped to its column, padded to it, and every line
//! ending where its text does. Used by the table report and `rules list`.

use unicode_width::UnicodeWidthStr;

/// A space either side of a cell's text.
pub const PADDING: usize = 2;

/// One cell of a row.
pub struct Cell<'a> {
    pub text: &'a str,
    /// Display columns, padding included; `usize::MAX` for a last column that never wraps.
    pub width: usize,
    /// An SGR code (`1;31`) for the cell's first line, on a terminal.
    pub style: Option<&'a str>,
}

impl<'a> Cell<'a> {
    pub fn new(text: &'a str, width: usize) -> Cell<'a> {
        Cell {
            text,
            width,
            style: None,
        }
    }
}

/// Appends one row: as many lines as its tallest cell needs.
pub fn row(out: &mut String, cells: &[Cell<'_>]) {
    let wrapped: Vec<String> = cells
        .iter()
        .map(|c| wrap(c.text, c.width.saturating_sub(PADDING)))
        .collect();
    let lines: Vec<Vec<&str>> = wrapped.iter().map(|w| w.lines().collect()).collect();
    let height = lines.iter().map(Vec::len).max().unwrap_or(0).max(1);
    for i in 0..height {
        let start = out.len();
        for (n, (cell, lines)) in cells.iter().zip(&lines).enumerate() {
            let text = lines.get(i).copied().unwrap_or("");
            out.push(' ');
            match cell.style.filter(|_| i == 0 && !text.is_empty()) {
                Some(sgr) => out.push_str(&format!("\x1b[{sgr}m{text}\x1b[0m")),
                None => out.push_str(text),
            }
            if n + 1 < cells.len() {
                let room = cell.width.saturating_sub(PADDING);
                out.extend(std::iter::repeat_n(
                    ' ',
                    room.saturating_sub(width(text)) + 1,
                ));
            }
        }
        let end = out.trim_end().len().max(start);
        out.truncate(end);
        out.push('\n');
    }
}

/// The lines of `text` word-wrapped to `columns` display columns; a word wider than that (a
/// path, a key, a URL) is never cut: it stands whole on a line of its own. A line's indent is kept on the lines it wraps onto. Display width, not bytes: `—` and
/// `✔` take one column, CJK characters two.
pub fn wrap(text: &str, columns: usize) -> String {
    let columns = columns.max(1);
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if width(line) <= columns {
            out.push_str(line);
            continue;
        }
        let body = line.trim_start_matches(' ');
        // An indent that leaves less than half the column is not kept.
        let indent = &line[..line.len() - body.len()];
        let indent = if indent.len() * 2 <= columns {
            indent
        } else {
            ""
        };
        let room = columns - indent.len();
        out.push_str(indent);
        let mut used = 0;
        for word in body.split(' ') {
            let word_width = width(word);
            if used > 0 && used + 1 + word_width <= room {
                out.push(' ');
                used += 1;
            } else if used > 0 {
                out.push('\n');
                out.push_str(indent);
                used = 0;
            }
            out.push_str(word);
            used += word_width;
        }
    }
    out
}

/// `text` (one paragraph) as lines of at most `first` display columns for the first line and
/// `rest` for the others, broken at spaces only: a word wider than its line stands alone.
pub fn wrap_words(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut used = 0;
    for word in text.split_whitespace() {
        let room = if lines.len() == 1 { first } else { rest };
        let w = width(word);
        if used > 0 && used + 1 + w > room {
            lines.push(String::new());
            used = 0;
        }
        let line = lines.last_mut().expect("never empty");
        if used > 0 {
            line.push(' ');
            used += 1;
        }
        line.push_str(word);
        used += w;
    }
    lines
}

/// Display columns of `text`; ASCII, nearly all of a report, is counted by length.
pub fn width(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        text.width()
    }
}

#[cfg(test)]
mod tests {
    use super::{Cell, row, wrap, wrap_words};

    #[test]
    fn wrap_words_keeps_paths_whole_and_honours_the_first_line_room() {
        let text = "at repository/conf/deployment.toml:5:12 now";
        assert_eq!(
            wrap_words(text, 10, 40),
            ["at", "repository/conf/deployment.toml:5:12 now"]
        );
        assert_eq!(wrap_words("a b c", 3, 1), ["a b", "c"]);
        assert_eq!(wrap_words("", 3, 3), [""]);
    }

    #[test]
    fn wraps_at_words_and_never_inside_a_word_wider_than_the_column() {
        assert_eq!(wrap("aaa bbb ccc ddd", 10), "aaa bbb\nccc ddd");
        assert_eq!(wrap("ab -Dverylongflag=1 x", 10), "ab\n-Dverylongflag=1\nx");
        assert_eq!(wrap("short\n  fix: x", 10), "short\n  fix: x");
        assert_eq!(
            wrap("message\n  fix: do a thing", 12),
            "message\n  fix: do a\n  thing"
        );
    }

    #[test]
    fn wraps_by_display_width_not_bytes() {
        // `é` is two bytes and one column; `漢` is three bytes and two columns.
        assert_eq!(wrap("é é é é é é é é", 10), "é é é é é\né é é");
        assert_eq!(wrap("漢字 漢字 漢字", 5), "漢字\n漢字\n漢字");
        assert_eq!(wrap("a 漢", 1), "a\n漢");
    }

    #[test]
    fn rows_pad_every_column_and_end_where_the_text_does() {
        let mut out = String::new();
        let styled = Cell {
            style: Some("1;31"),
            ..Cell::new("✖ FAIL", 9)
        };
        row(
            &mut out,
            &[
                styled,
                Cell::new("id\ntitle", 8),
                Cell::new("a b c d e f", 7),
            ],
        );
        assert_eq!(
            out,
            " \u{1b}[1;31m✖ FAIL\u{1b}[0m   id      a b c\n          title   d e f\n"
        );
    }
}
