"""actionbot core: the platform-neutral domain, services and the app factory."""
