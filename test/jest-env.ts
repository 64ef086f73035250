// Set before any test module loads (the stack the integration tests start is not affected): functions run
// inside a test log nothing, publish no metrics and count no requests (they have no table for it), and the
// SDK's Node 20 notice (Lambdas run Node 22) stays out of the output.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.RATE_LIMIT_USER_PER_MINUTE ??= '0';
