"""A tenant's plugins: catalog, install/uninstall through the outbox, configure, activate, the
proxy of plugin routes and the plugin server's status webhook."""
