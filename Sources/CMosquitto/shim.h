// libmosquitto (Debian libmosquitto-dev, pkg-config libmosquitto): the MQTT client library behind the MQTT target.
#include <mosquitto.h>
