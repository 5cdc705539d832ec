"""Image: every documented response field typed; unknown fields kept; the wire form round-trips."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from pulumi_cloudimages import Image
from pulumi_cloudimages.ims.image import ImagePage, format_time

# The response fields of the official SDK's ImageInfo (63), by wire name.
DOCUMENTED = """schema file self id name owner status visibility protected tags checksum container_format disk_format
min_ram max_ram min_disk size virtual_size created_at updated_at active_at virtual_env_type enterprise_project_id
__isregistered __imagetype __platform __os_type __os_bit __os_version __description __image_source_type
__originalimagename __backup_id __productcode __image_size __data_origin __lazyloading __os_feature_list
__support_kvm __support_xen __support_largememory __support_diskintensive __support_highperformance
__support_xen_gpu_type __support_kvm_gpu_type __support_xen_hana __support_kvm_infiniband __system_support_market
__is_offshelved __root_origin __sequence_num __support_fc_inject hw_firmware_type hw_vif_multiqueue_enabled
__system__cmkid __account_code __support_amd __support_arm __support_agent_list __image_displayname
__support_kvm_hi1822_hisriov __support_kvm_hi1822_hivirtionet os_shutdown_timeout""".split()

# The first image of the API document's example response, as it is written there.
SEED_IMAGE = {
    "schema": "/v2/schemas/image",
    "min_disk": 100,
    "created_at": "2018-09-06T14:03:27Z",
    "__image_source_type": "uds",
    "container_format": "bare",
    "file": "/v2/images/bc6bed6e-ba3a-4447-afcc-449174a3eb52/file",
    "updated_at": "2018-09-06T15:17:33Z",
    "protected": True,
    "checksum": "d41d8cd98f00b204e9800998ecf8427e",
    "__support_kvm_fpga_type": "VU9P",
    "id": "bc6bed6e-ba3a-4447-afcc-449174a3eb52",
    "__isregistered": "true",
    "min_ram": 2048,
    "__lazyloading": "true",
    "owner": "1bed856811654c1cb661a6ca845ebc77",
    "__os_type": "Linux",
    "__imagetype": "gold",
    "visibility": "public",
    "virtual_env_type": "FusionCompute",
    "tags": [],
    "__platform": "CentOS",
    "size": 0,
    "__os_bit": "64",
    "__os_version": "CentOS 7.3 64bit",
    "name": "CentOS 7.3 64bit vivado",
    "self": "/v2/images/bc6bed6e-ba3a-4447-afcc-449174a3eb52",
    "disk_format": "zvhd2",
    "virtual_size": None,
    "hw_firmware_type": "bios",
    "status": "active",
    "__support_fc_inject": "true",
}


def test_every_documented_field_is_modelled() -> None:
    assert len(DOCUMENTED) == 63
    assert {str(field.alias) for field in Image.model_fields.values()} == set(DOCUMENTED)


def test_the_seed_example_is_typed() -> None:
    image = Image.model_validate(SEED_IMAGE)
    assert image.created_at == datetime(2018, 9, 6, 14, 3, 27, tzinfo=timezone.utc)
    assert image.isregistered is True and image.lazyloading is True
    assert image.self_ == "/v2/images/bc6bed6e-ba3a-4447-afcc-449174a3eb52"
    assert image.virtual_size is None and image.support_kvm is None
    assert image.model_extra == {"__support_kvm_fpga_type": "VU9P"}


def test_the_wire_form_round_trips() -> None:
    assert Image.model_validate(SEED_IMAGE).to_wire() == SEED_IMAGE


def test_times_without_a_zone_are_utc_and_false_flags_stay_false() -> None:
    image = Image.model_validate({"updated_at": "2018-09-06 15:17:33", "__support_arm": "false"})
    assert image.updated_at == datetime(2018, 9, 6, 15, 17, 33, tzinfo=timezone.utc)
    assert image.support_arm is False
    assert image.to_wire() == {"updated_at": "2018-09-06T15:17:33Z", "__support_arm": "false"}


def test_a_page_with_paging_info_and_an_empty_image() -> None:
    page = ImagePage.model_validate_json(b'{"images": [{}], "page_info": {"next_marker": "abc"}}')
    assert page.images == [Image()]
    assert page.page_info is not None and page.page_info.next_marker == "abc"


def test_times_are_written_in_utc_whatever_their_zone_and_fold() -> None:
    new_york = ZoneInfo("America/New_York")  # 2021-11-07 01:30 happens twice there: EDT, then EST
    first, second = datetime(2021, 11, 7, 1, 30, tzinfo=new_york), datetime(2021, 11, 7, 1, 30, fold=1, tzinfo=new_york)
    assert first == second  # equal, yet an hour apart: the text must not be the one remembered for the other
    assert (format_time(first), format_time(second)) == ("2021-11-07T05:30:00Z", "2021-11-07T06:30:00Z")
    assert format_time(second) == "2021-11-07T06:30:00Z" and format_time(first) == "2021-11-07T05:30:00Z"
    same_instant = datetime(2021, 11, 7, 19, 30, tzinfo=timezone(timedelta(hours=14)))
    assert format_time(same_instant) == "2021-11-07T05:30:00Z"
    early = datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=-12)))
    assert format_time(early) == "0999-01-02T15:04:05.000006Z"
