#!/usr/bin/env python3
"""CDK entry point: `cdk synth -c dwp:env=production` (dev by default, see cdk.json)."""

import aws_cdk as cdk

from dwp_infra.stages import build

app = cdk.App()
build(app)
app.synth()
