//! Progress on slow work: while a run waits on a JVM or the network for more than a moment,
//! standard error says what it waits for — only when standard error is a terminal, and the
//! line is cleared before the report is printed. Piped or redirected, nothing is written.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// How long a wait goes unmentioned: most runs end well within it.
const MOMENT: Duration = Duration::from_millis(300);

/// A spinner that appears once a wait has lasted a moment.
pub(crate) struct Waiting {
    started: Instant,
    enabled: bool,
    bar: Option<ProgressBar>,
}

impl Waiting {
    /// A spinner for a wait starting now; silent unless standard error is a terminal.
    pub(crate) fn new() -> Waiting {
        Waiting {
            started: Instant::now(),
            enabled: std::io::stderr().is_terminal(),
            bar: None,
        }
    }

    /// Says what is still awaited (`java -version`, network peers), once the wait has lasted
    /// a moment.
    pub(crate) fn show(&mut self, what: &[&str]) {
        if !self.enabled || what.is_empty() || self.started.elapsed() < MOMENT {
            return;
        }
        let waited = self.started.elapsed();
        let bar = self.bar.get_or_insert_with(|| {
            // The clock counts the whole wait, not just the time the spinner has been shown.
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
                .with_elapsed(waited);
            let style = ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        bar.set_message(format!("waiting for {}", what.join(", ")));
    }
}

impl Default for Waiting {
    fn default() -> Self {
        Waiting::new()
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
