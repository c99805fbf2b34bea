"""Checks of the deployment files: Prometheus rules and configs, Grafana dashboards,
docker-compose.yml and the Dockerfile, and the Kubernetes manifests."""
