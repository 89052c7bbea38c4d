package pickle_test

import (
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/pickle"
	"github.com/djsession/djsession/store/memory"
)

// Share sessions with a Django site's cache engine: give the Manager the
// pickle codec and a store both sides reach (store/redis in practice; the
// memory store seen as a byte store here, to keep the example
// self-contained).
func Example() {
	var store session.Store = bytesOnly{memory.New(memory.Options{})}
	sessions, err := session.New(store, session.Config{
		SecretKey: []byte("the Django site's SECRET_KEY, for the auth hash"),
		Codec:     pickle.Codec{},
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = sessions // sessions.Middleware(mux)
}

// bytesOnly hides the memory store's values methods, so the Manager
// encodes with its Codec.
type bytesOnly struct{ session.Store }

// What Django 3.2's cache engine stores after set_expiry(datetime): the
// expiry comes back as the ISO string the session package keeps.
func ExampleCodec_Decode() {
	// pickle.dumps({'_session_expiry': datetime(2030, 1, 2, 3, 4, 5, tzinfo=pytz.utc), 'n': 1}, 4)
	data := []byte("\x80\x04}\x94(\x8c\x0f_session_expiry\x94\x8c\x08datetime\x94\x8c\x08datetime\x94\x93\x94" +
		"C\n\x07\xee\x01\x02\x03\x04\x05\x00\x00\x00\x94\x8c\x04pytz\x94\x8c\x04_UTC\x94\x93\x94)R\x94\x86\x94R\x94" +
		"\x8c\x01n\x94K\x01u.")
	values, err := pickle.Codec{}.Decode(data)
	fmt.Println(values["_session_expiry"], values["n"], err)
	// Output: 2030-01-02T03:04:05+00:00 1 <nil>
}

// A pickle that would run code is refused, and so is data of another codec.
func ExampleCodec_Decode_refused() {
	payload := []byte("\x80\x04\x8c\x02os\x8c\x06system\x93\x8c\x02id\x85R.") // os.system("id")
	_, err := pickle.Codec{}.Decode(payload)
	fmt.Println(errors.Is(err, pickle.ErrRefused), errors.Is(err, session.ErrCodecMismatch))
	_, err = pickle.Codec{}.Decode([]byte(`{"visits":1}`))
	fmt.Println(errors.Is(err, session.ErrCodecMismatch))
	// Output:
	// true true
	// true
}

// Encode writes the expiry of SetExpiryTime as a datetime with
// datetime.timezone.utc, which every Django version reads.
func ExampleCodec_Encode() {
	expiry := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC).Format("2006-01-02T15:04:05-07:00")
	data, err := pickle.Codec{}.Encode(map[string]any{"_session_expiry": expiry})
	if err != nil {
		log.Fatal(err)
	}
	back, _ := pickle.Codec{}.Decode(data)
	fmt.Printf("%d bytes, protocol %d, back as %v\n", len(data), data[1], back["_session_expiry"])
	// Output: 111 bytes, protocol 4, back as 2030-01-02T03:04:05+00:00
}
