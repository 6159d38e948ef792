"""Cross-cutting server machinery: settings-independent errors, call context, access rules, interceptors."""
