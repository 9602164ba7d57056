"""`python -m infra.template.waf [--out FILE]`: a template holding only the public routes' WAF web
ACL, for a stack outside us-east-1 (a CLOUDFRONT web ACL can only be created there). Deploy it
in us-east-1 and pass its `WebAclArn` output to the main stack:

    python -m infra.template.waf --out build/waf.json
    aws cloudformation deploy --region us-east-1 --stack-name workorders-prod-waf --template-file build/waf.json
    make deploy STAGE=prod PARAMS="WebAclArn=<the WebAclArn output>"
"""
import argparse
import json
from pathlib import Path

from infra.template.parameters import PARAMETERS
from infra.template.protection import web_acl


def template() -> dict:
    return {
        "Description": "Work orders: the WAF web ACL for the booking pages' CloudFront distribution (us-east-1)",
        "Parameters": {"WafRateLimit": PARAMETERS["WafRateLimit"]},
        "Rules": {"OnlyInUsEast1": {"Assertions": [{
            "Assert": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]},
            "AssertDescription": "A CLOUDFRONT web ACL must be created in us-east-1"}]}},
        "Resources": {"PublicWebAcl": web_acl({"Fn::Sub": "${AWS::StackName}"}, {"Ref": "WafRateLimit"})},
        "Outputs": {"WebAclArn": {"Value": {"Fn::GetAtt": ["PublicWebAcl", "Arn"]}}},
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.template.waf", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("build") / "waf.json")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(template(), indent=1) + "\n")
    print(args.out)


if __name__ == "__main__":
    main()
