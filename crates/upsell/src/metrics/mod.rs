//! Metrics that prove the revenue: expansion metrics from orders and subscriptions, A/B test
//! statistics, and forecasts.
//!
//! The one idea: money stays exact ([`crate::pricing::Money`]) and statistics match a reference
//! implementation (statsmodels) to 1e-9, so a figure from here can be put in front of a finance team
//! or a statistician without a disclaimer.
//!
//! ```
//! use upsell::metrics::{ab_test, sample_size};
//! let plan = sample_size(0.05, 0.01, 0.05, 0.8)?;    // 5 % -> 6 %: how many visitors per arm?
//! let result = ab_test(412, 8000, 498, 8000, 0.05, 1)?;
//! println!("n = {} per arm; z = {:.2}, p = {:.4}, {}", plan.n_per_arm, result.z, result.p_value, result.verdict.as_str());
//! # Ok::<(), upsell::Error>(())
//! ```

mod abtest;
mod expansion;
mod forecast;
mod significance;

pub use abtest::{
    AbTestResult, SampleSize, Verdict, ab_test, effect_size, minimum_detectable_effect, normal_cdf,
    normal_quantile, normal_sf, power, sample_size,
};
pub use expansion::{
    OrderMetrics, Period, Retention, Subscription, attach_rate, conversion_rate,
    net_revenue_retention, order_metrics,
};
pub use forecast::{Forecast, forecast};
pub use significance::{Correction, adjust_p_values, fisher_greater, wilson_interval};
