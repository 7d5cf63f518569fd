import json
from tests.e2e.conftest import Harness

def test_explore(app: Harness) -> None:
    resp, ts = app.slack.message("C01GENERAL", "U01REQ", "<@U01TECH1> can you check the backup alert for Acme? server is down")
    print(resp.status_code, resp.text)
    app.settle()
    eph = app.fake.ephemerals()
    print(json.dumps(eph, indent=1))
    r = app.slack.click(eph[0], "route:alert", user="U01REQ")
    print(r.status_code, r.text)
    [opened] = app.fake.wait_for("views.open")
    print(json.dumps(opened.response["view"], indent=1)[:4000])
    v = opened.response["view"]
    r = app.slack.submit_view(v["id"], user="U01REQ", values={"client": "Acme"})
    print(r.status_code, r.text)
    app.settle()
    for c in app.fake.calls:
        print(c.method, json.dumps(c.args)[:300], c.response.get("ok"), c.response.get("error"))
