"""The address service: finds addresses by postcode or UPRN (OS Places, Royal Mail PAF), checks typed ones."""
