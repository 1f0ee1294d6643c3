"""The plugin server over HTTP (httpx), and the rule books of the plugin use cases."""
