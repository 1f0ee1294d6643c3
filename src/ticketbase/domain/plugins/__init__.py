"""Plugins of the plugin server as one tenant has them: installed, configured, active."""
