"""The staff web application: pages rendered on the server, usable without JavaScript."""
