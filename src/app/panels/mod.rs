//! The panels. Each is a `*_ui` function that reads the document and returns [`Action`](super::actions::Action)s;
//! purely visual state (zoom, half-typed text) stays in the panel's own struct.
//!
//! - [`menus`]: the menu bar, every command with its shortcut and tooltip;
//! - [`plot`]: the chromatogram, model curves and linked residuals, peak labels and area fills;
//! - [`plot_axes`]: the plots' grids and tick labels;
//! - [`plot_data`]: the curves as plot points, lines and fills, rebuilt only for the peaks that changed;
//! - [`peak_table`]: the peak table (with lab metrics) and the selected peak's sliders;
//! - [`table_view`], [`table_grid`]: the table's columns and sort order, and its frozen header and name column;
//! - [`sliders`]: the editor's sliders, their ranges following their values;
//! - [`confidence`]: the selected peak's (k_a, k_d) confidence ellipse and χ² contour;
//! - [`column`]: the column and inlet parameters with the derived t0, β, r, u(L);
//! - [`column_view`]: the bands inside the column at the time control's moment (teaching);
//! - [`fit`]: Fit peak / Fit all / Detect peaks, with progress and Cancel;
//! - [`status`]: the status bar and the error banner;
//! - [`dialogs`]: the path field (when no file dialog can appear) and the autosave offer.

pub mod column;
pub mod column_view;
pub mod confidence;
pub mod dialogs;
pub mod fit;
pub mod menus;
pub mod peak_table;
pub mod plot;
pub mod plot_axes;
pub mod plot_data;
pub mod sliders;
pub mod status;
pub mod table_grid;
pub mod table_view;

use super::state::Gesture;

/// The undo grouping of a widget's change: a change while the pointer is held on it (from the press on, so the
/// press's own jump and the drag after it are one step) merges into one step, anything else is its own step.
pub fn gesture(response: &egui::Response) -> Gesture {
    if response.dragged() || response.is_pointer_button_down_on() {
        Gesture::Drag(response.id)
    } else {
        Gesture::Single
    }
}
