"""The ways a process starts: the CLI commands, the development server, production serving
(the web server and the scheduler) and the demo data `make run` loads."""
