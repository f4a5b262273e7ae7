//! The three ways a peak can be edited by hand: rates (k_a, k_d), partition constant (K, k_d), or moments
//! (mean, σ). The conversions between them are the model's ([`crate::model::moments`]).

/// Which parameters the per-peak sliders show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum ParamMode {
    /// Adsorption rate k_a (1/s), desorption rate k_d (1/s), area.
    #[default]
    Rates,
    /// Partition constant K = k_a/k_d (dimensionless), k_d (1/s), area.
    Partition,
    /// Mean retention (s), standard deviation σ (s), area.
    Moments,
}

impl ParamMode {
    /// Every mode, in menu order.
    pub const ALL: [ParamMode; 3] = [ParamMode::Rates, ParamMode::Partition, ParamMode::Moments];

    /// Short label for a selector.
    pub fn label(self) -> &'static str {
        match self {
            ParamMode::Rates => "k_a, k_d",
            ParamMode::Partition => "K, k_d",
            ParamMode::Moments => "mean, σ",
        }
    }
}
