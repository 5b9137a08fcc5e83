"""Prefect only: the one flow of every modality (`balance.py`), its fit task
(`fitting.py`), task runners, deployments, and the log and progress plumbing. The only
package that imports Prefect; the work itself is in `pipeline/`, `store/`, `reports/`,
`generators/` and `validation/`."""
