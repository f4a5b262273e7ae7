//! The peak table's layout: a header that stays while the rows scroll, a first (name) column that stays while
//! the other columns scroll sideways, and rows that fill the height given. Four scroll areas share two offsets:
//! the body (every column but the first) owns them, the header follows it sideways and the first column follows
//! it up and down. Only the visible rows are laid out.

use egui::{Id, Rect, RichText, ScrollArea, UiBuilder, Vec2, WidgetText, scroll_area::ScrollBarVisibility};

/// A header cell: its text, what a screen reader says and its tooltip.
pub struct HeaderCell {
    pub text: String,
    pub label: String,
    pub tip: String,
    pub sorting: bool,
}

/// A body cell: its text, what a screen reader says and its tooltip, if any.
pub struct Cell {
    pub text: RichText,
    pub label: String,
    pub tip: Option<String>,
}

/// What the user did in the grid.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct GridEvents {
    /// The header clicked (its index among the shown columns).
    pub header: Option<usize>,
    /// The row clicked (index into the rows given).
    pub select: Option<usize>,
    /// The row whose context menu chose Delete.
    pub delete: Option<usize>,
}

/// The rows to draw: `cells[r][c]`, with which row (if any) is selected.
pub struct Grid<'a> {
    pub id: Id,
    pub headers: &'a [HeaderCell],
    pub cells: &'a [Vec<Cell>],
    pub selected_row: Option<usize>,
}

/// The offset the first column was scrolled to by the wheel, for the body to follow next frame.
#[derive(Clone, Copy, Default)]
struct NameScroll(Option<f32>);

/// Width in points of `text` on a button, without wrapping.
fn text_width_px(ui: &egui::Ui, text: impl Into<WidgetText>) -> f32 {
    text.into().into_galley(ui, Some(egui::TextWrapMode::Extend), f32::INFINITY, egui::TextStyle::Button).size().x
}

/// Each column's width: its widest text plus the button padding.
fn column_widths_px(ui: &egui::Ui, grid: &Grid<'_>) -> Vec<f32> {
    let pad = 2.0 * ui.spacing().button_padding.x + 4.0;
    grid.headers
        .iter()
        .enumerate()
        .map(|(c, h)| {
            let widest = grid.cells.iter().map(|row| text_width_px(ui, row[c].text.clone())).fold(0.0, f32::max);
            widest.max(text_width_px(ui, RichText::new(&h.text).strong())) + pad
        })
        .collect()
}

/// Draws the grid in a rectangle `height_px` high and as wide as `ui` is.
pub fn grid_ui(ui: &mut egui::Ui, grid: &Grid<'_>, height_px: f32) -> GridEvents {
    let mut events = GridEvents::default();
    if grid.headers.is_empty() {
        return events;
    }
    let widths = column_widths_px(ui, grid);
    let row_px = ui.spacing().interact_size.y;
    let gap_y = ui.spacing().item_spacing.y;
    let (area, _) = ui.allocate_exact_size(Vec2::new(ui.available_width(), height_px), egui::Sense::hover());
    let name_px = widths[0].min(area.width() * 0.5);
    let header_bottom = area.top() + row_px + gap_y;
    let split = area.left() + name_px + ui.spacing().item_spacing.x;
    let head_name = Rect::from_min_max(area.min, egui::pos2(area.left() + name_px, header_bottom));
    let head_rest = Rect::from_min_max(egui::pos2(split, area.top()), egui::pos2(area.right(), header_bottom));
    let body_name =
        Rect::from_min_max(egui::pos2(area.left(), header_bottom), egui::pos2(area.left() + name_px, area.bottom()));
    let body_rest = Rect::from_min_max(egui::pos2(split, header_bottom), area.max);

    let memory = grid.id.with("name-scroll");
    let NameScroll(wheel) = ui.ctx().data(|d| d.get_temp(memory)).unwrap_or_default();
    let n = grid.cells.len();
    let mut body = ScrollArea::both().id_salt(grid.id.with("body")).auto_shrink(false);
    if let Some(v) = wheel {
        body = body.vertical_scroll_offset(v);
    }
    let out = ui
        .scope_builder(UiBuilder::new().max_rect(body_rest), |ui| {
            body.show_rows(ui, row_px, n, |ui, range| {
                for r in range {
                    ui.horizontal(|ui| {
                        for (c, &w) in widths.iter().enumerate().skip(1) {
                            cell_ui(ui, grid, r, c, Vec2::new(w, row_px), &mut events);
                        }
                    });
                }
            })
        })
        .inner;
    let offset = out.state.clamped_offset();

    ui.scope_builder(UiBuilder::new().max_rect(head_name), |ui| header_ui(ui, grid, 0, widths[0], row_px, &mut events));
    ui.scope_builder(UiBuilder::new().max_rect(head_rest), |ui| {
        // As wide as the body's content plus what the body's scroll bar takes, so both scroll as far.
        let extra_px = (head_rest.width() - out.inner_rect.width()).max(0.0);
        ScrollArea::horizontal()
            .id_salt(grid.id.with("header"))
            .scroll_bar_visibility(ScrollBarVisibility::AlwaysHidden)
            .scroll_source(egui::scroll_area::ScrollSource::NONE)
            .horizontal_scroll_offset(offset.x)
            .auto_shrink(false)
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    for (c, &w) in widths.iter().enumerate().skip(1) {
                        header_ui(ui, grid, c, w, row_px, &mut events);
                    }
                    ui.add_space(extra_px);
                });
            });
    });
    let names = ui
        .scope_builder(UiBuilder::new().max_rect(body_name), |ui| {
            ScrollArea::vertical()
                .id_salt(grid.id.with("names"))
                .scroll_bar_visibility(ScrollBarVisibility::AlwaysHidden)
                .vertical_scroll_offset(offset.y)
                .auto_shrink(false)
                .show_rows(ui, row_px, n, |ui, range| {
                    for r in range {
                        cell_ui(ui, grid, r, 0, Vec2::new(name_px, row_px), &mut events);
                    }
                })
        })
        .inner;
    // The wheel over the first column scrolls it: the body follows next frame.
    let moved = (names.state.clamped_offset().y - offset.y).abs() > 0.5;
    let wheel = moved.then_some(names.state.clamped_offset().y);
    ui.ctx().data_mut(|d| d.insert_temp(memory, NameScroll(wheel)));
    if moved {
        ui.ctx().request_repaint();
    }
    events
}

/// Header `c`: a button that sorts by the column.
fn header_ui(ui: &mut egui::Ui, grid: &Grid<'_>, c: usize, width_px: f32, row_px: f32, events: &mut GridEvents) {
    let h = &grid.headers[c];
    let r = ui.add_sized([width_px, row_px], egui::Button::selectable(h.sorting, RichText::new(&h.text).strong()));
    let label = h.label.clone();
    r.widget_info(|| egui::WidgetInfo::selected(egui::accesskit::Role::Button, true, h.sorting, &label));
    if r.on_hover_text(&h.tip).clicked() {
        events.header = Some(c);
    }
}

/// Cell `c` of row `r`: selects the row, and offers Delete on a right-click.
fn cell_ui(ui: &mut egui::Ui, grid: &Grid<'_>, r: usize, c: usize, size: Vec2, events: &mut GridEvents) {
    let cell = &grid.cells[r][c];
    let selected = grid.selected_row == Some(r);
    let mut resp = ui.add_sized(size, egui::Button::selectable(selected, cell.text.clone()));
    resp.widget_info(|| egui::WidgetInfo::selected(egui::accesskit::Role::Button, true, selected, &cell.label));
    if let Some(tip) = &cell.tip {
        resp = resp.on_hover_text(tip);
    }
    if resp.clicked() {
        events.select = Some(r);
    }
    resp.context_menu(|ui| {
        if ui.button("Delete peak").clicked() {
            events.delete = Some(r);
            ui.close();
        }
    });
}
