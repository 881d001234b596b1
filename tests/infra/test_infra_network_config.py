"""infra/network_config.py through StackConfig: the VPC keys and the proxy variables, as cdk.json
(JSON values) and `-c key=value` (strings) give them, and every wrong form refused at synth with
the key named."""

import pytest

from infra.config import StackConfig

VPC = "vpc-0123456789abcdef0"
SUBNET_A = "subnet-0123456789abcdef0"
SUBNET_B = "subnet-89abcdef"


def _config(context):
    return StackConfig.from_context(context.get, {})


def test_no_vpc_and_no_proxy_by_default():
    config = _config({})
    assert config.vpc_id is None
    assert config.subnet_ids == ()
    assert config.security_group_ids is None
    assert dict(config.proxy) == {}


@pytest.mark.parametrize(
    "subnets",
    [
        [SUBNET_A, SUBNET_B],  # cdk.json
        f'["{SUBNET_A}", "{SUBNET_B}"]',  # -c subnetIds='[...]'
        f"{SUBNET_A}, {SUBNET_B}",  # -c subnetIds=a,b
    ],
)
def test_subnets_as_a_list_json_text_or_comma_separated(subnets):
    config = _config({"vpcId": VPC, "subnetIds": subnets})
    assert config.vpc_id == VPC
    assert config.subnet_ids == (SUBNET_A, SUBNET_B)
    assert config.security_group_ids is None


def test_security_groups_are_optional_and_kept_in_order():
    config = _config(
        {
            "vpcId": "vpc-89abcdef",
            "subnetIds": SUBNET_B,
            "securityGroupIds": "sg-01234567,sg-89abcdef",
        }
    )
    assert config.security_group_ids == ("sg-01234567", "sg-89abcdef")


@pytest.mark.parametrize(
    ("context", "key"),
    [
        ({"vpcId": VPC}, "'vpcId' and 'subnetIds' go together"),
        ({"subnetIds": [SUBNET_A]}, "'vpcId' and 'subnetIds' go together"),
        ({"securityGroupIds": ["sg-01234567"]}, "'securityGroupIds' needs 'vpcId'"),
        ({"vpcId": "vpc-123", "subnetIds": [SUBNET_A]}, "'vpcId' must be an id like vpc-"),
        ({"vpcId": "VPC-0123456789ABCDEF0", "subnetIds": [SUBNET_A]}, "'vpcId' must be"),
        ({"vpcId": SUBNET_A, "subnetIds": [SUBNET_A]}, "'vpcId' must be an id like vpc-"),
        ({"vpcId": VPC, "subnetIds": [VPC]}, "'subnetIds' must be an id like subnet-"),
        ({"vpcId": VPC, "subnetIds": "subnet-0123456"}, "'subnetIds' must be an id like"),
        ({"vpcId": VPC, "subnetIds": []}, "'subnetIds' must list at least one subnet- id"),
        ({"vpcId": VPC, "subnetIds": "[]"}, "'subnetIds' must list at least one"),
        ({"vpcId": VPC, "subnetIds": f"{SUBNET_A},"}, "'subnetIds' has an empty entry"),
        ({"vpcId": VPC, "subnetIds": [SUBNET_A, SUBNET_A]}, "'subnetIds' lists an id twice"),
        ({"vpcId": VPC, "subnetIds": '["subnet-01234567"'}, "'subnetIds' is not a valid JSON"),
        ({"vpcId": VPC, "subnetIds": 5}, "'subnetIds' must be a list of ids"),
        (
            {"vpcId": VPC, "subnetIds": [f"subnet-{i:08x}" for i in range(17)]},
            "'subnetIds' takes at most 16",
        ),
        (
            {"vpcId": VPC, "subnetIds": [SUBNET_A], "securityGroupIds": []},
            "'securityGroupIds' must list at least one sg- id",
        ),
        (
            {"vpcId": VPC, "subnetIds": [SUBNET_A], "securityGroupIds": ["sg-xyz"]},
            "'securityGroupIds' must be an id like sg-",
        ),
        (
            {
                "vpcId": VPC,
                "subnetIds": [SUBNET_A],
                "securityGroupIds": [f"sg-{i:08x}" for i in range(6)],
            },
            "'securityGroupIds' takes at most 5",
        ),
    ],
)
def test_wrong_vpc_keys_are_refused_naming_the_key_and_the_form(context, key):
    with pytest.raises(ValueError, match=f"context {key}"):
        _config(context)


def test_proxy_names_in_any_case_become_the_upper_case_variables():
    config = _config(
        {
            "proxy": {
                "https_proxy": "http://proxy.internal:3128",
                "Http_Proxy": "proxy.internal:3128",
                "ALL_PROXY": "https://user:pw@[fd00::1]:8443/",
                "no_proxy": ".amazonaws.com, 10.0.0.5,localhost",
            }
        }
    )
    assert dict(config.proxy) == {
        "HTTPS_PROXY": "http://proxy.internal:3128",
        "HTTP_PROXY": "proxy.internal:3128",
        "ALL_PROXY": "https://user:pw@[fd00::1]:8443/",
        "NO_PROXY": ".amazonaws.com, 10.0.0.5,localhost",
    }


def test_proxy_from_the_command_line_is_json_text():
    config = _config({"proxy": '{"HTTPS_PROXY": "http://10.0.0.9:3128"}'})
    assert dict(config.proxy) == {"HTTPS_PROXY": "http://10.0.0.9:3128"}


@pytest.mark.parametrize(
    ("proxy", "message"),
    [
        ({"FTP_PROXY": "http://p:1"}, "sets 'FTP_PROXY'; only HTTP_PROXY, HTTPS_PROXY, ALL_PROXY"),
        ({"PROXY": "http://p:1"}, "sets 'PROXY'; only"),
        ({"https_proxy": "http://a:1", "HTTPS_PROXY": "http://b:1"}, "sets HTTPS_PROXY twice"),
        ({"HTTPS_PROXY": 3128}, "HTTPS_PROXY must be a string"),
        ({"NO_PROXY": ["a", "b"]}, "NO_PROXY must be a string"),
        ({"HTTPS_PROXY": "socks5://p:1080"}, "HTTPS_PROXY must be http://host:port, .*socks"),
        ({"HTTP_PROXY": "ftp://p:21"}, "HTTP_PROXY must be http://host:port"),
        ({"HTTPS_PROXY": "proxy.internal"}, "HTTPS_PROXY must be http://host:port"),
        ({"HTTPS_PROXY": "proxy.internal:99999"}, "HTTPS_PROXY must be"),
        ({"HTTPS_PROXY": "http://proxy.internal:port"}, "HTTPS_PROXY must be"),
        ({"HTTPS_PROXY": "http://:3128"}, "HTTPS_PROXY must be"),
        ({"HTTPS_PROXY": "http://p:3128/some/path"}, "HTTPS_PROXY must be"),
        ({"ALL_PROXY": ""}, "ALL_PROXY must be"),
        ("not json", "must be a JSON object"),
        ('["HTTPS_PROXY"]', "must be an object"),
    ],
)
def test_wrong_proxy_settings_are_refused(proxy, message):
    with pytest.raises(ValueError, match=f"context 'proxy' {message}"):
        _config({"proxy": proxy})


def test_a_refused_proxy_url_is_not_echoed_with_its_password():
    with pytest.raises(ValueError, match="HTTPS_PROXY") as err:
        _config({"proxy": {"HTTPS_PROXY": "http://svc:s3cret@proxy.internal:0"}})
    assert "s3cret" not in str(err.value)
    assert "svc:***@proxy.internal:0" in str(err.value)
