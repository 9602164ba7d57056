"""The whole system on this machine, in one process, with no AWS account (`make run`).

- An embedded AWS: moto's server on a free port; every boto3/PynamoDB call goes there through
  `AWS_ENDPOINT_URL`, with fake credentials so nothing can reach a real account.
- The dev stage's environment from `.chalice/config.json`, then the tables, the Cognito pool,
  the bucket and the SES sender (`infra.bootstrap`) and the demo business (`infra.demo_data`).
- The API on Chalice's local server (threaded), which also serves the web pages: `/book/` from
  `web/booking/`, `/tech/` from `web/tech/`, `/` from `web/index.html`, `/openapi.yaml` from `docs/`.
- What `chalice local` lacks (it serves routes only): a poller that feeds the
  orders table's stream to the stream handler the way Lambda does (batches, `batchItemFailures`,
  bounded retries), and a scheduler that runs the app's `@app.schedule` handlers (rate and cron).
- An outbox: every email SES accepts is written to `<local dir>/outbox/*.eml` before SES answers
  (once per Message-ID), and moto keeps none of them.
- Sign-in tokens signed with a key pair of its own (`<local dir>/keys/cognito-signing.json`, made
  on the first start), not with the key every moto install ships.

Ctrl-C or SIGTERM stops every server and thread; nothing is left listening.
"""
