// Set before any test module loads: functions built inside a test log nothing and publish no metrics, and the
// SDK's Node 20 notice (Lambdas run Node 22) stays out of the output.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
