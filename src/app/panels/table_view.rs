//! How the peak table is shown: its columns (header with unit, tooltip), which are visible, and the row order
//! (by a column, retention order by default). View state only, kept in egui's memory: no undo step.

use crate::session::PeakRow;

/// The table's columns: header (with its unit) and tooltip. The name column (0) is always shown.
pub const COLUMNS: [(&str, &str); 13] = [
    ("name", "Analyte name (click to select)"),
    ("quality", "How far the row's figures can be trusted (hover a flag for its meaning)"),
    ("t_R (s)", "Retention time: apex of the model curve (parabolic refinement), in the plot's time unit"),
    ("area (signal·s)", "Peak area, signal units × s (± standard error when fitted)"),
    ("height (signal)", "Apex height above the baseline, signal units"),
    ("k_a (1/s)", "Adsorption rate, 1/s (± standard error when fitted)"),
    ("k_d (1/s)", "Desorption rate, 1/s (± standard error when fitted)"),
    ("R²", "Coefficient of determination of the last fit, over the peak's window (dimensionless)"),
    ("W50 (s)", "Width at 50 % of the height of the model curve, s"),
    (
        "T",
        "USP tailing T = W5/(2·f5) of the model curve at 5 % height, f5 the front half-width (dimensionless: 1 \
         symmetric, > 1 tailing)",
    ),
    (
        "As",
        "Asymmetry As = b10/a10 of the model curve at 10 % height: back over front half-width (dimensionless, 1 \
         symmetric)",
    ),
    ("N", "Plates N = 5.54·(t_R/W50)² of the model curve, half-height method (dimensionless)"),
    (
        "Rs",
        "Resolution to the previous peak in time, Rs = 1.18·(t_R2 − t_R1)/(W50,1 + W50,2) of the model curves \
         (half-height method, dimensionless)",
    ),
];

/// The retention-time column: the default sort.
pub const RETENTION_COLUMN: usize = 2;

/// The header of column `c`: the retention time's unit follows the plot's time axis (`minutes`).
pub fn header(c: usize, minutes: bool) -> &'static str {
    if c == RETENTION_COLUMN && minutes { "t_R (min)" } else { COLUMNS[c].0 }
}

/// Which columns show and how the rows are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableView {
    /// The column the rows are sorted by.
    pub sort_column: usize,
    /// Largest first.
    pub descending: bool,
    /// Hidden columns (the name column never is).
    pub hidden: [bool; COLUMNS.len()],
}

impl Default for TableView {
    fn default() -> TableView {
        TableView { sort_column: RETENTION_COLUMN, descending: false, hidden: [false; COLUMNS.len()] }
    }
}

fn memory_id() -> egui::Id {
    egui::Id::unique("elute-peak-table-view")
}

impl TableView {
    /// The view as last set (the default at first).
    pub fn load(ctx: &egui::Context) -> TableView {
        ctx.data(|d| d.get_temp(memory_id())).unwrap_or_default()
    }

    /// Keeps this view for the next frames.
    pub fn store(self, ctx: &egui::Context) {
        ctx.data_mut(|d| d.insert_temp(memory_id(), self));
    }

    /// Whether column `c` is shown.
    pub fn shows(&self, c: usize) -> bool {
        c == 0 || !self.hidden.get(c).copied().unwrap_or(true)
    }

    /// A click on the header of column `c`: sort by it, or reverse the order when it already sorts.
    pub fn click_header(&mut self, c: usize) {
        if self.sort_column == c {
            self.descending = !self.descending;
        } else {
            self.sort_column = c;
            self.descending = false;
        }
    }

    /// The marker after the header of column `c` (ASCII: the default fonts lack arrows) and the words a screen
    /// reader says for it.
    pub fn marker(&self, c: usize) -> (&'static str, &'static str) {
        match (self.sort_column == c, self.descending) {
            (false, _) => ("", ""),
            (true, false) => (" ^", ", sorted ascending"),
            (true, true) => (" v", ", sorted descending"),
        }
    }

    /// The row indices in display order: by the sort column (rows without a value last), ties by index.
    pub fn order(&self, rows: &[PeakRow], resolution: &[Option<f64>]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..rows.len()).collect();
        let c = self.sort_column;
        if c <= 1 {
            let text = |i: usize| if c == 0 { rows[i].peak.to_lowercase() } else { rows[i].quality.clone() };
            order.sort_by_key(|&i| text(i));
        } else {
            let key = |i: usize| number(&rows[i], resolution.get(i).copied().flatten(), c);
            order.sort_by(|&a, &b| match (key(a), key(b)) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            });
        }
        if self.descending {
            order.reverse();
        }
        order
    }
}

/// The number column `c` sorts row `row` by (`rs`: its resolution to the previous peak).
fn number(row: &PeakRow, rs: Option<f64>, c: usize) -> Option<f64> {
    let v = match c {
        2 => Some(row.retention_time_s),
        3 => Some(row.area),
        4 => row.height,
        5 => Some(row.ka_per_s),
        6 => Some(row.kd_per_s),
        7 => row.r2,
        8 => row.w50_s,
        9 => row.tailing_usp,
        10 => row.asymmetry_10,
        11 => row.plates_half_height,
        _ => rs,
    };
    v.filter(|v| !v.is_nan())
}

/// The "Columns" menu: a checkbox per column but the name.
pub fn columns_menu_ui(ui: &mut egui::Ui, view: &mut TableView, minutes: bool) {
    ui.menu_button("Columns…", |ui| {
        for (c, (_, tip)) in COLUMNS.iter().enumerate().skip(1) {
            let mut shown = !view.hidden[c];
            if ui.checkbox(&mut shown, header(c, minutes)).on_hover_text(*tip).changed() {
                view.hidden[c] = !shown;
            }
        }
    })
    .response
    .on_hover_text("Choose the columns the table shows");
}
