-- wrk script: POST the body in $BENCH_BODY (JSON) to the URL wrk is given.
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
