import Foundation
import Testing
import VTX

/// The Authenticator reading a directory of certificates, as czmq's zcertstore does.
@Suite("Authenticator with a certificate directory", .timeLimit(.minutes(1)))
struct AuthenticatorCertificateTests {
    @Test func admitsTheKeysOfTheDirectory() throws {
        let directory = "/tmp/vtx-certs-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        #expect(mkdir(directory, 0o700) == 0)
        defer { _ = system("rm -rf '\(directory)'") }
        let allowed = Certificate.generate()
        try allowed.save(publicPath: directory + "/client", secretPath: directory + "/client_secret")
        #expect(FileManager.default.createFile(atPath: directory + "/notes.txt", contents: Data("not a cert".utf8)))
        let vtx = VTX()
        defer { vtx.shutdown() }
        let auth = try Authenticator(manager: vtx)
        defer { auth.stop() }
        #expect(try auth.allowCurveCertificates(in: directory) == 2)
        #expect(throws: VTXError.invalidArgument) { try auth.allowCurveCertificates(in: directory + "/missing") }

        let server = try vtx.socket(.pull)
        let pair = CurveKeyPair.generate()
        server.curveServer = true
        server.curveSecretKey = pair.secretKey
        try server.bind("tcp://127.0.0.1:*")
        let endpoint = try #require(server.lastEndpoint)
        for (keys, admitted) in [(try #require(allowed.keyPair), true), (CurveKeyPair.generate(), false)] {
            let client = try vtx.socket(.push)
            client.curveServerKey = pair.publicKey
            client.curveSecretKey = keys.secretKey
            let monitor = try client.monitor()
            try client.connect(endpoint)
            if admitted {
                try client.send("in")
                #expect(try server.receive(timeout: .seconds(10)).property("User-Id") == allowed.publicKey.z85)
            } else {
                let failed = try #require(monitor.next(.handshakeFailed, timeout: .seconds(10)))
                #expect(failed.authenticationStatus == 400)
            }
            client.close()
        }
        server.close()
    }
}
