//! The JSON report: the [`Report`] as DESIGN §3 specifies it, `schema_version: 1`.

use super::Report;

pub fn render(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("the report is plain data");
    s.push('\n');
    s
}
