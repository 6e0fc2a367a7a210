namespace Esrs.Quality;

/// <summary>The aggregator's judgements: drift of a tick against everything before it, anomalies of closed minutes, alerts.</summary>
public sealed partial class QualityAggregator
{
    private void MeasureDrift(string source, QualitySketch reference, QualitySketch current, Dictionary<string, double> metrics, DateTime now)
    {
        var drift = _options.Drift;
        if (current.Events < drift.MinEvents || reference.Events < drift.MinEvents)
        {
            return;
        }

        Judge("drift_type_psi", "type", Drift.Psi(reference.Types, current.Types), drift.PsiThreshold, "psi");
        Judge("drift_type_js", "type", Drift.JensenShannon(reference.Types, current.Types), drift.JsThreshold, "js");
        if (current.Categories.Total >= drift.MinEvents && reference.Categories.Total >= drift.MinEvents)
        {
            var (r, c) = (Drift.Distribution(reference.Categories), Drift.Distribution(current.Categories));
            Judge("drift_category_psi", "categoryPath", Drift.Psi(r, c), drift.PsiThreshold, "psi");
            Judge("drift_category_js", "categoryPath", Drift.JensenShannon(r, c), drift.JsThreshold, "js");
        }

        if (current.Price.Count >= drift.MinEvents && reference.Price.Count >= drift.MinEvents)
        {
            Judge("drift_price_ks", "unitPrice", Drift.KolmogorovSmirnov(reference.Price, current.Price), drift.KsThreshold, "ks");
        }

        if (current.Quantity.Count >= drift.MinEvents && reference.Quantity.Count >= drift.MinEvents)
        {
            Judge("drift_quantity_ks", "quantity", Drift.KolmogorovSmirnov(reference.Quantity, current.Quantity), drift.KsThreshold, "ks");
        }

        void Judge(string metric, string field, double value, double threshold, string measure)
        {
            metrics[metric] = value;
            var detection = value > threshold
                ? new Detection(measure, value, threshold, $"{measure.ToUpperInvariant()} {value:F3} of this tick's {field} distribution against everything before (limit {threshold})")
                : null;
            Alert(metric, source, field, measure, detection, now);
        }
    }

    private void DetectAnomalies(string source, OpenWindow window, double[] values)
    {
        var anomaly = _options.Anomaly;
        var s = State;
        if (window.Sketch.Events < anomaly.MinEvents)
        {
            return;
        }

        var end = window.Start + Length(WindowGranularity.Minute);
        var history = s.Closed.Where(w => w.Granularity == WindowGranularity.Minute && w.Source == source && w.Events >= anomaly.MinEvents)
            .TakeLast(anomaly.HistoryWindows).ToList();
        foreach (var metric in anomaly.Metrics)
        {
            var index = Array.IndexOf(s.MetricNames, metric);
            if (index < 0)
            {
                continue;
            }

            var series = history.Where(w => index < w.Values.Length).Select(w => w.Values[index]).ToList();
            var current = values[index];
            if (anomaly.RateOfChange)
            {
                Alert(metric, source, null, AnomalyDetectors.RateOfChange,
                    AnomalyDetectors.RateOfChangeCheck(series, current, anomaly.MaxRelativeChange, anomaly.MinMagnitude), end);
            }

            if (anomaly.OnlineNormal)
            {
                Alert(metric, source, null, AnomalyDetectors.OnlineNormal,
                    AnomalyDetectors.OnlineNormalCheck(series, current, anomaly.Sigmas, anomaly.MinHistory, anomaly.MinSigma), end);
            }
        }
    }

    /// <summary>Opens an alert for (metric, source, detector) when <paramref name="detection"/> is set and none is open; resolves the open one when not.</summary>
    private void Alert(string metric, string source, string? field, string detector, Detection? detection, DateTime at)
    {
        var s = State;
        var index = s.Alerts.FindIndex(a => a.IsOpen && a.Metric == metric && a.Source == source && a.Detector == detector);
        if (detection is not null && index < 0)
        {
            var alert = new QualityAlert(++s.NextAlertId, metric, source, field, detector, detection.Observed, detection.Expected, detection.Detail, at);
            s.Alerts.Add(alert);
            s.AlertsChanged = true;
            Opened.Add(alert);
        }
        else if (detection is null && index >= 0)
        {
            s.Alerts[index] = s.Alerts[index] with { ResolvedAt = at };
            s.AlertsChanged = true;
            Resolved.Add(s.Alerts[index]);
        }
    }
}
