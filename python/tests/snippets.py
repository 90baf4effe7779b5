"""The documents' Python code, verbatim, with only the import line changed
(``from src.analyzer import …`` becomes ``from srtlog import …``).
``test_snippets_match_documents`` checks them against the documents when
``../shared/seeds`` is present."""

# Worker-log workflow (000), "Python API".
NODE_API = '''from srtlog import NodeAnalyzer

analyzer = NodeAnalyzer()
nodes = analyzer.parse_run_logs("/path/to/job/logs")

# Filter by worker type
prefill_nodes = [n for n in nodes if n.is_prefill]
decode_nodes = [n for n in nodes if n.is_decode]
agg_nodes = [n for n in nodes if n.is_agg]

# Access batch metrics
for node in nodes:
    print(f"{node.node_name}: {len(node.batches)} batches")
    for batch in node.batches[:5]:
        print(f"  {batch.timestamp} - {batch.batch_type}")
'''

# Request-log workflow (001), sections 2-7.
LOADING = '''from srtlog import InferenceLogAnalyzer

# Initialize analyzer
analyzer = InferenceLogAnalyzer()

# Load logs from file
analyzer.load_logs("data/production_logs.txt")

# Or load from directory
analyzer.load_logs_from_dir("data/logs/")
'''

BASIC = '''# Generate summary statistics
summary = analyzer.summary()
print(f"Total requests: {summary['total_requests']}")
print(f"Average latency: {summary['avg_latency_ms']:.2f} ms")
print(f"P99 latency: {summary['p99_latency_ms']:.2f} ms")
print(f"Error rate: {summary['error_rate']:.2%}")
'''

ANOMALIES = '''# Find outliers
outliers = analyzer.detect_anomalies(
    metric="latency_ms",
    method="zscore",
    threshold=3.0
)

print(f"Found {len(outliers)} anomalous requests")
for outlier in outliers[:5]:
    print(f"  Request {outlier['request_id']}: {outlier['latency_ms']}ms")
'''

TRENDS = '''# Analyze trends over time
trends = analyzer.analyze_trends(
    metric="latency_ms",
    window="1h",
    aggregation="mean"
)

# Plot the trend
import matplotlib.pyplot as plt
plt.plot(trends['timestamp'], trends['value'])
plt.xlabel('Time')
plt.ylabel('Average Latency (ms)')
plt.title('Latency Trend')
plt.show()
'''

CORRELATION = '''# Find correlations between metrics
correlations = analyzer.correlate_metrics(
    metrics=["latency_ms", "batch_size", "gpu_util", "memory_used_gb"]
)

print("Correlation matrix:")
print(correlations)
'''

EXPORT = '''# Generate HTML report
analyzer.generate_report(
    output="reports/daily_report.html",
    format="html"
)

# Export to CSV for further analysis
analyzer.export_csv("reports/data_export.csv")
'''

SPIKE = '''def investigate_spike(analyzer, start_time, end_time):
    # Filter to time window
    spike_data = analyzer.filter_time_range(start_time, end_time)
    
    # Check concurrent requests
    print(f"Requests during spike: {len(spike_data)}")
    print(f"Average batch size: {spike_data['batch_size'].mean():.1f}")
    print(f"Max concurrent: {spike_data.groupby('timestamp').size().max()}")
    
    # Check resource utilization
    print(f"GPU utilization: {spike_data['gpu_util'].mean():.1f}%")
    print(f"Memory usage: {spike_data['memory_used_gb'].mean():.2f} GB")
'''

COMPARE = '''def compare_models(analyzer, model_names):
    results = {}
    for model in model_names:
        model_data = analyzer.filter_model(model)
        results[model] = {
            "avg_latency": model_data['latency_ms'].mean(),
            "p99_latency": model_data['latency_ms'].quantile(0.99),
            "throughput": len(model_data) / model_data['duration'].sum(),
        }
    return pd.DataFrame(results).T
'''

REQUEST_SECTIONS = [LOADING, BASIC, ANOMALIES, TRENDS, CORRELATION, EXPORT]
ALL = {"000": [NODE_API], "001": REQUEST_SECTIONS + [SPIKE, COMPARE]}
